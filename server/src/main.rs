//! The `mailflow` binary: the command line and, as `mailflow lsp`, the language server.

use std::ffi::c_void;

/// tree-sitter's trees are allocated with mimalloc (see `Cargo.toml` for what it measured);
/// everything else with the system's allocator.
fn main() -> std::process::ExitCode {
    // SAFETY: no tree-sitter object exists yet and no other thread runs; the four
    // functions are one allocator's, align as malloc does, and never return null for a
    // size above zero (they abort instead, as tree-sitter's own do).
    unsafe {
        tree_sitter::set_allocator(Some(tree_sitter::Allocator {
            malloc: tree_sitter_malloc,
            calloc: tree_sitter_calloc,
            realloc: tree_sitter_realloc,
            free: tree_sitter_free,
        }))
    };
    mailflow::cli::main()
}

unsafe extern "C" fn tree_sitter_malloc(size: usize) -> *mut c_void {
    allocated(unsafe { libmimalloc_sys::mi_malloc(size) }, size)
}

unsafe extern "C" fn tree_sitter_calloc(count: usize, size: usize) -> *mut c_void {
    let Some(bytes) = count.checked_mul(size) else { std::process::abort() };
    allocated(unsafe { libmimalloc_sys::mi_zalloc(bytes) }, bytes)
}

unsafe extern "C" fn tree_sitter_realloc(pointer: *mut c_void, size: usize) -> *mut c_void {
    allocated(unsafe { libmimalloc_sys::mi_realloc(pointer, size) }, size)
}

unsafe extern "C" fn tree_sitter_free(pointer: *mut c_void) {
    unsafe { libmimalloc_sys::mi_free(pointer) }
}

/// `pointer`, which an allocation of `size` bytes returned; out of memory ends the process.
fn allocated(pointer: *mut c_void, size: usize) -> *mut c_void {
    if pointer.is_null() && size > 0 {
        std::process::abort();
    }
    pointer
}

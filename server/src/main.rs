//! The `mailflow` binary: the command line and, as `mailflow lsp`, the language server.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use mimalloc::MiMalloc;

/// Every allocation is mimalloc's, the Rust side's and tree-sitter's (`Cargo.toml` has what
/// it measured).
#[global_allocator]
static ALLOCATOR: Allocator = Allocator;

/// mimalloc, configured before its first allocation (the runtime makes one before `main`,
/// and an option set in `main` would come after its first arena) to commit memory
/// as it is used rather than a whole arena at once: `check` of 10,000 rules peaks at 90 MB so,
/// 110 MB otherwise (glibc's malloc: 95 MB).
struct Allocator;

static CONFIGURED: std::sync::Once = std::sync::Once::new();

impl Allocator {
    fn configure() {
        // SAFETY: a plain setter of an option, read when mimalloc makes an arena.
        CONFIGURED.call_once(|| unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0) });
    }
}

// SAFETY: mimalloc's own implementation; what is freed or grown was allocated by it.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Allocator::configure();
        unsafe { MiMalloc.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Allocator::configure();
        unsafe { MiMalloc.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        unsafe { MiMalloc.dealloc(pointer, layout) }
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, size: usize) -> *mut u8 {
        unsafe { MiMalloc.realloc(pointer, layout, size) }
    }
}

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

/// `mi_option_arena_eager_commit` of `mimalloc.h` (its fifth option in versions 2 and 3),
/// which the binding does not name.
const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;

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

" mailflow for Vim 8.2+/9 (and Neovim) with ALE (https://github.com/dense-analysis/ale):
" filetype detection for the DSL and `mailflow lsp` as an ALE linter, with `mailflow` on PATH.
" In your vimrc, with ALE installed as the package `ale` (Debian's vim-ale is):
"
"   filetype plugin on
"   packadd! ale
"   source /path/to/mailflow/editors/vim/mailflow.vim
"
" (or copy this file to ~/.vim/plugin/; with a plugin manager, load ALE its way instead of
" `packadd! ale`). Findings show as ALE's signs and messages; :ALEHover, :ALEGoToDefinition,
" :ALECodeAction and :ALEFindReferences use the server too.
"
" The DSL (`*.mailflow`) is filetype `mailflow` (Vim would otherwise guess `conf`). YAML
" buffers get the server only when they are mail-flow files: named *.mailflow.yaml/.yml or
" with `mailflow` as their first key; for any other YAML file the project root is empty, and
" ALE then starts no server for it.

augroup mailflow_filetype
  autocmd!
  autocmd BufNewFile,BufRead *.mailflow setfiletype mailflow
augroup END

" Comments in the DSL start with `#`.
augroup mailflow_settings
  autocmd!
  autocmd FileType mailflow setlocal commentstring=#\ %s comments=:# shiftwidth=2 expandtab
augroup END

function! MailflowIsMailflow(buffer) abort
  if getbufvar(a:buffer, '&filetype') is# 'mailflow' || bufname(a:buffer) =~# '\.mailflow\.ya\?ml$'
    return 1
  endif
  for l:line in getbufline(a:buffer, 1, 50)
    if l:line !~# '^\s*$' && l:line !~# '^\s*#' && l:line !~# '^---' && l:line !~# '^%'
      return l:line =~# '^mailflow\s*:'
    endif
  endfor
  return 0
endfunction

" The folder of the buffer's git checkout, else the buffer's own folder; '' (no server) for a
" buffer that is not a mail-flow file.
function! MailflowProjectRoot(buffer) abort
  if !MailflowIsMailflow(a:buffer)
    return ''
  endif
  let l:folder = fnamemodify(bufname(a:buffer), ':p:h')
  let l:git = finddir('.git', l:folder . ';')
  if empty(l:git)
    let l:git = findfile('.git', l:folder . ';')
  endif
  return empty(l:git) ? l:folder : fnamemodify(l:git, ':p:h:h')
endfunction

function! s:Define() abort
  for l:filetype in ['mailflow', 'yaml']
    call ale#linter#Define(l:filetype, {
    \   'name': 'mailflow',
    \   'lsp': 'stdio',
    \   'executable': {b -> ale#Var(b, 'mailflow_executable')},
    \   'command': '%e lsp',
    \   'project_root': function('MailflowProjectRoot'),
    \   'lsp_config': {b -> ale#Var(b, 'mailflow_settings')},
    \})
  endfor
  augroup mailflow_ale_yaml
    autocmd!
    autocmd FileType yaml call s:AddToYamlLinters()
  augroup END
  if &filetype is# 'yaml'
    call s:AddToYamlLinters()
  endif
endfunction

" For YAML, ALE runs the linters g:ale_linters names, else a fixed list of its own: neither
" has mailflow. A mail-flow YAML buffer gets those linters and mailflow (as b:ale_linters,
" unless the buffer has its own).
function! s:AddToYamlLinters() abort
  if exists('b:ale_linters') || !MailflowIsMailflow(bufnr(''))
    return
  endif
  let l:names = map(ale#linter#Get('yaml'), {_, linter -> linter.name})
  let b:ale_linters = {'yaml': uniq(sort(l:names + ['mailflow']))}
endfunction

" g:ale_mailflow_executable (default `mailflow`) and g:ale_mailflow_settings (the section
" `mailflow`: select, ignore, docsUrl), e.g. {'mailflow': {'ignore': ['MF014']}}.
let g:ale_mailflow_executable = get(g:, 'ale_mailflow_executable', 'mailflow')
let g:ale_mailflow_settings = get(g:, 'ale_mailflow_settings', {'mailflow': {}})

" ALE's functions load on first use from its autoload/ folder, which is on 'runtimepath'
" before its plugin/ale.vim runs; when ALE is added to 'runtimepath' later (a plugin manager
" that loads lazily), the linter is defined at VimEnter.
if exists('g:loaded_ale') || !empty(globpath(&runtimepath, 'autoload/ale/linter.vim'))
  call s:Define()
else
  augroup mailflow_ale
    autocmd!
    autocmd VimEnter * if exists('g:loaded_ale') | call s:Define() | endif
  augroup END
endif

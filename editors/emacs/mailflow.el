;;; mailflow.el --- Exchange Online mail-flow files: a DSL mode and eglot  -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "26.1"))
;; Keywords: languages, mail
;; SPDX-License-Identifier: MIT

;;; Commentary:

;; `mailflow-mode' for the mail-flow DSL (`*.mailflow'): comments, strings, keywords,
;; two-space indentation by braces.  With eglot (built into Emacs 29, `elpa-eglot' or
;; GNU ELPA before), `M-x eglot' in a mail-flow buffer starts `mailflow lsp' (on PATH):
;; diagnostics through Flymake, hover, completion, code actions, formatting.
;;
;; YAML mail-flow files named `*.mailflow.yaml'/`*.mailflow.yml' open in
;; `mailflow-yaml-mode', a `yaml-mode' (or `yaml-ts-mode', else `text-mode') that eglot
;; also sends to mailflow; other YAML files are left to yaml-mode and never reach mailflow.
;;
;; Setup, in init.el:
;;
;;   (add-to-list 'load-path "/path/to/mailflow/editors/emacs")
;;   (require 'mailflow)
;;   (add-hook 'mailflow-mode-hook #'eglot-ensure)
;;   (add-hook 'mailflow-yaml-mode-hook #'eglot-ensure)
;;
;; (the hooks start the server when such a file is opened; without them, `M-x eglot').
;;
;; Settings (section `mailflow': select, ignore, docsUrl) go in
;; `eglot-workspace-configuration', e.g.
;;   (setq-default eglot-workspace-configuration '(:mailflow (:ignore ["MF014"])))

;;; Code:

(defgroup mailflow nil
  "Exchange Online mail-flow files."
  :group 'languages
  :prefix "mailflow-")

(defcustom mailflow-command '("mailflow" "lsp")
  "The command that starts the mailflow language server."
  :type '(repeat string))

(defcustom mailflow-indent-offset 2
  "Indentation of a block of the mail-flow DSL."
  :type 'integer)

(defconst mailflow--keywords
  '("mailflow" "organization" "connector" "rule" "priority" "domains" "service" "use"
    "smart-hosts" "recipient-domains" "relay-domains" "relays-through" "returns-to-exchange"
    "processed-header" "enabled" "mode" "comments" "if" "except" "do" "stop" "processing"
    "defer" "on" "error" "redirect" "to" "set" "header" "remove" "sender" "recipient"
    "domain" "is" "from" "member" "of" "matches" "contains" "message" "type" "size" "over"
    "address" "other")
  "Keywords of the mail-flow DSL (grammar/queries/highlights.scm).")

(defconst mailflow--font-lock-keywords
  `((,(regexp-opt mailflow--keywords 'symbols) . font-lock-keyword-face)
    ("\\_<\\(true\\|false\\)\\_>" . font-lock-constant-face)
    ("\\_<[0-9]+\\_>" . font-lock-constant-face)
    ("\\_<MF[0-9]\\{3\\}\\_>" . font-lock-warning-face))
  "Highlighting of the mail-flow DSL.")

(defvar mailflow-mode-syntax-table
  (let ((table (make-syntax-table)))
    (modify-syntax-entry ?# "<" table)
    (modify-syntax-entry ?\n ">" table)
    (modify-syntax-entry ?\" "\"" table)
    (modify-syntax-entry ?\\ "\\" table)
    (modify-syntax-entry ?- "_" table)
    (modify-syntax-entry ?. "_" table)
    (modify-syntax-entry ?{ "(}" table)
    (modify-syntax-entry ?} "){" table)
    table)
  "Syntax table of `mailflow-mode'.")

(defun mailflow-indent-line ()
  "Indent the current line by the depth of the braces around it."
  (interactive)
  (let* ((depth (save-excursion
                  (beginning-of-line)
                  (let ((ppss (syntax-ppss)))
                    (if (nth 3 ppss) nil (car ppss)))))
         (closing (save-excursion
                    (back-to-indentation)
                    (eq (char-after) ?})))
         (column (and depth (* mailflow-indent-offset (max 0 (- depth (if closing 1 0)))))))
    (when column
      (if (<= (current-column) (current-indentation))
          (indent-line-to column)
        (save-excursion (indent-line-to column))))))

;;;###autoload
(define-derived-mode mailflow-mode prog-mode "mailflow"
  "Major mode for the Exchange Online mail-flow DSL (`*.mailflow')."
  :syntax-table mailflow-mode-syntax-table
  (setq-local comment-start "# ")
  (setq-local comment-start-skip "#+\\s-*")
  (setq-local indent-tabs-mode nil)
  (setq-local indent-line-function #'mailflow-indent-line)
  (setq-local font-lock-defaults '(mailflow--font-lock-keywords)))

;;;###autoload
(add-to-list 'auto-mode-alist '("\\.mailflow\\'" . mailflow-mode))

(defun mailflow--yaml-parent ()
  "The YAML mode `mailflow-yaml-mode' builds on."
  (cond ((fboundp 'yaml-mode) 'yaml-mode)
        ((and (fboundp 'yaml-ts-mode) (fboundp 'treesit-language-available-p)
              (treesit-language-available-p 'yaml))
         'yaml-ts-mode)
        (t 'text-mode)))

;;;###autoload
(define-derived-mode mailflow-yaml-mode text-mode "mailflow-yaml"
  "Major mode for YAML mail-flow files (`*.mailflow.yaml'): YAML editing plus mailflow."
  ;; define-derived-mode needs a fixed parent; the YAML mode is run first when there is one.
  (let ((parent (mailflow--yaml-parent)))
    (unless (eq parent 'text-mode)
      (delay-mode-hooks (funcall parent))
      (setq major-mode 'mailflow-yaml-mode)
      (setq mode-name "mailflow-yaml")
      (use-local-map mailflow-yaml-mode-map))))

;;;###autoload
(add-to-list 'auto-mode-alist '("\\.mailflow\\.ya?ml\\'" . mailflow-yaml-mode))

;; Two entries, so two servers in a project with both kinds of file: eglot before 1.10
;; (Debian 12's elpa-eglot is 1.9) gives a server one language-id, that of the buffer that
;; started it, and the server reads a document whose language-id is `mailflow' as the DSL.
;;;###autoload
(with-eval-after-load 'eglot
  (add-to-list 'eglot-server-programs
               `(((mailflow-yaml-mode :language-id "yaml")) . ,mailflow-command))
  (add-to-list 'eglot-server-programs
               `(((mailflow-mode :language-id "mailflow")) . ,mailflow-command)))

(provide 'mailflow)
;;; mailflow.el ends here

// Small form behaviours, delegated from the document (so swapped-in content has them too) instead of inline
// `on…` attributes, which the Content-Security-Policy refuses to run.

// `<select data-autosubmit>` submits its form as soon as a choice is made.
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-autosubmit]");
  if (field && field.form) field.form.requestSubmit();
});

// `<input data-select-on-click>` selects its whole text when clicked (a link to copy).
document.addEventListener("click", (event) => {
  const field = event.target.closest("input[data-select-on-click]");
  if (field) field.select();
});

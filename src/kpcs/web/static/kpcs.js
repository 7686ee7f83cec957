// Behaviour of the pages, kept out of the HTML so that the Content-Security-Policy can
// forbid inline scripts (script-src 'self'): markup only declares it with data- attributes.
"use strict";

// <select data-autosubmit>: choosing a value submits its form (the year pickers).
document.addEventListener("change", function (event) {
  const control = event.target;
  if (control instanceof HTMLElement && control.matches("[data-autosubmit]") && control.form) {
    control.form.submit();
  }
});

// hx-target with data-swap-unprocessable: a 422 answer is swapped in too, since its
// fragment says what is wrong with the filters (htmx leaves 4xx answers out by default).
document.addEventListener("htmx:beforeSwap", function (event) {
  const target = event.detail.target || event.target;
  if (
    event.detail.xhr.status === 422 &&
    target instanceof Element &&
    target.closest("[data-swap-unprocessable]")
  ) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// A button with data-line-index="SELECTOR" sends how many elements match it as `index`
// (the certificate form's "Add a line": the new line's number). Instead of hx-vals='js:…',
// which htmx would have to eval (the CSP forbids it).
document.addEventListener("htmx:configRequest", function (event) {
  const source = event.detail.elt;
  if (source instanceof HTMLElement && source.dataset.lineIndex) {
    event.detail.parameters.index = String(document.querySelectorAll(source.dataset.lineIndex).length);
  }
});

// The press page's copy button: copies the read-only text, falling back to selecting it for Ctrl+C.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const area = document.querySelector(button.dataset.copy);
  area.select();
  const done = () => { button.textContent = button.dataset.copied; };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(area.value).then(done, () => document.execCommand("copy") && done());
  } else if (document.execCommand("copy")) {
    done();
  }
});

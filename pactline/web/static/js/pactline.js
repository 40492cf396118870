// Small progressive enhancements; every page works without them.
document.addEventListener("click", (event) => {
  const target = event.target.closest("[data-copy]");
  if (!target || !navigator.clipboard) return;
  navigator.clipboard.writeText(target.textContent.trim()).then(() => {
    target.classList.add("copied");
    target.setAttribute("title", "Copied");
  });
});

// Contracts: HTMX would add its request-indicator styles as an inline <style>, which the
// Content-Security-Policy (style-src 'self') refuses; pactline.css carries them instead.
if (window.htmx) {
  window.htmx.config.includeIndicatorStyles = false;
}

// Contracts: a quick-choice chip fills a filter input and submits its form (HTMX then refreshes
// only the results), so the other filters typed since the page loaded are kept. Without
// JavaScript the chip is a plain link carrying the filters of the page as it was rendered.
document.addEventListener("click", (event) => {
  const chip = event.target.closest("[data-fill]");
  if (!chip) return;
  const input = document.querySelector(chip.dataset.fill);
  if (!input || !input.form || !input.form.requestSubmit) return;
  event.preventDefault();
  input.value = chip.dataset.value;
  chip.parentElement.querySelectorAll("[data-fill]").forEach((other) => {
    other.classList.toggle("current", other === chip);
  });
  input.form.requestSubmit();
});

// Contracts: a filter form marked data-drop-empty leaves its empty fields out of HTMX requests,
// so the address pushed to the history reads /contracts?q=north, not a list of blanks.
document.addEventListener("htmx:configRequest", (event) => {
  const elt = event.detail.elt;
  if (event.detail.verb !== "get" || !elt.matches || !elt.matches("form[data-drop-empty]")) return;
  const data = event.detail.formData;
  Array.from(new Set(data.keys())).forEach((key) => {
    if (data.getAll(key).every((value) => value === "")) data.delete(key);
  });
});

// Invoices: a link to a finding (#finding-12) opens its details, so the explanation shows.
function openTargetDetails() {
  const id = decodeURIComponent(window.location.hash.slice(1));
  const target = id && document.getElementById(id);
  if (target && target.tagName === "DETAILS") target.open = true;
}
window.addEventListener("hashchange", openTargetDetails);
document.addEventListener("DOMContentLoaded", openTargetDetails);

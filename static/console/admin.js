// A box of read-only rows that scrolls sideways (a record's calls, on a phone) holds
// nothing the keyboard can reach: it becomes a labelled stop itself, so it can scroll.
document.addEventListener("DOMContentLoaded", () => {
  for (const box of document.querySelectorAll(".inline-group .tabular")) {
    if (box.scrollWidth <= box.clientWidth) continue;
    if (box.querySelector('input:not([type="hidden"]), select, textarea, a[href], button')) continue;
    box.tabIndex = 0;
    box.setAttribute("role", "region");
    const heading = box.querySelector("h2");
    if (heading) box.setAttribute("aria-label", heading.textContent.trim());
  }
});

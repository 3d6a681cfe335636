// The top bar's menu button on small screens (a static file: the CSP allows no inline script).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  for (const toggle of document.querySelectorAll(".topbar-toggle")) {
    const menu = document.getElementById(toggle.getAttribute("aria-controls"));
    toggle.hidden = false;
    menu.classList.add("is-collapsible");
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      menu.classList.toggle("is-open", open);
    });
  }
});

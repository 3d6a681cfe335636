// Mapping rows: the parameter fields follow the row's transform as it is changed.
document.addEventListener("change", (event) => {
  const select = event.target;
  if (!(select instanceof HTMLSelectElement) || !select.name.endsWith("-transform")) return;
  const row = select.closest("tr");
  const editor = row && row.querySelector(".params-editor");
  if (!editor) return;
  if (!editor.querySelector('input[name$="__fields"]')) return; // edited as JSON only
  for (const group of editor.querySelectorAll(".params-group")) {
    group.hidden = group.dataset.transform !== select.value;
  }
});

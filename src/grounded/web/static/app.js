// Progressive enhancement only: every flow works without this file.
// 1. "Select all" for bulk actions. 2. Confirm before destructive buttons.
document.addEventListener("DOMContentLoaded", () => {
  for (const all of document.querySelectorAll("input[data-select-all]")) {
    all.addEventListener("change", () => {
      const form = all.closest("form");
      for (const box of form.querySelectorAll("input[type=checkbox][name=" + all.dataset.selectAll + "]")) {
        box.checked = all.checked;
      }
    });
  }
  for (const button of document.querySelectorAll("button[data-confirm]")) {
    button.addEventListener("click", (event) => {
      if (!window.confirm(button.dataset.confirm)) event.preventDefault();
    });
  }
});

// Drag-and-drop order of the top stories and the pins (the ↑ ↓ buttons do
// the same without JavaScript): dropping a row sends the new order at once.
(() => {
  document.querySelectorAll("tbody[data-order-kind]").forEach((body) => {
    const form = body.closest("section").querySelector("form.front-reorder");
    if (!form) return;
    let dragged = null;
    body.addEventListener("dragstart", (event) => {
      dragged = event.target.closest("tr");
      if (!dragged) return;
      dragged.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.dataset.slot);
    });
    body.addEventListener("dragover", (event) => {
      const row = event.target.closest("tr");
      if (!dragged || !row) return;
      event.preventDefault();
      body.querySelectorAll(".drop-target").forEach((r) => r.classList.remove("drop-target"));
      if (row !== dragged) row.classList.add("drop-target");
    });
    body.addEventListener("drop", (event) => {
      const row = event.target.closest("tr");
      event.preventDefault();
      if (!dragged || !row || row === dragged) return;
      const rows = [...body.querySelectorAll("tr")];
      const before = rows.indexOf(row) < rows.indexOf(dragged);
      row.parentNode.insertBefore(dragged, before ? row : row.nextSibling);
      form.querySelector("input[name=order]").value =
        [...body.querySelectorAll("tr")].map((r) => r.dataset.slot).join(",");
      form.submit();
    });
    body.addEventListener("dragend", () => {
      if (dragged) dragged.classList.remove("dragging");
      body.querySelectorAll(".drop-target").forEach((r) => r.classList.remove("drop-target"));
      dragged = null;
    });
  });
})();

// Sortable tables: click a column heading of a `table.sortable` to sort by it, again to reverse.
// Cells sort by their `data-sort` value when they have one (amounts, dates), else by their text; numbers
// compare as numbers. A row's explanation row (`tr.explain`) travels with it. Delegated from the document,
// so tables that htmx swaps in sort too.
document.addEventListener("click", (event) => {
  const th = event.target.closest("table.sortable th");
  if (!th || th.hasAttribute("data-nosort") || event.target.closest("input, button, a")) return;
  const table = th.closest("table");
  const column = Array.from(th.parentNode.children).indexOf(th);
  const ascending = th.getAttribute("aria-sort") !== "ascending";
  table.querySelectorAll("th[aria-sort]").forEach((other) => other.removeAttribute("aria-sort"));
  th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  const body = table.tBodies[0];
  const groups = [];
  for (const row of Array.from(body.rows)) {
    if (row.classList.contains("explain") && groups.length) groups[groups.length - 1].push(row);
    else groups.push([row]);
  }
  const key = (group) => {
    const cell = group[0].cells[column];
    const raw = cell ? (cell.dataset.sort ?? cell.textContent.trim()) : "";
    const number = Number(String(raw).replace(/[$,%\s]/g, "").replace(/^\((.*)\)$/, "-$1"));
    return raw !== "" && !Number.isNaN(number) ? number : String(raw).toLowerCase();
  };
  groups.sort((a, b) => {
    const x = key(a), y = key(b);
    const order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
    return ascending ? order : -order;
  });
  groups.flat().forEach((row) => body.appendChild(row));
});

// A heading checkbox `data-select-all="name"` ticks or clears every checkbox of that name.
document.addEventListener("change", (event) => {
  const all = event.target.closest("input[data-select-all]");
  if (!all) return;
  document.querySelectorAll(`input[type=checkbox][name="${all.dataset.selectAll}"]`).forEach((box) => {
    box.checked = all.checked;
  });
});

/* Webmail behaviour: selection, drag and drop to folders, keyboard shortcuts, help overlay.
   Loaded as a static file (strict CSP, no inline script). Everything works without it. */
(function () {
  "use strict";
  var bulk = document.getElementById("mail-bulk");
  var help = document.getElementById("mail-help");
  var rows = Array.prototype.slice.call(document.querySelectorAll(".mail-row"));
  var cursor = -1;

  // On a phone the folder list starts folded: the list (or the message) comes first.
  var folders = document.querySelector(".mail-folders");
  if (folders && window.matchMedia && window.matchMedia("(max-width: 47.99em)").matches) {
    folders.open = false;
  }

  function submitAction(action, target) {
    if (!bulk) { return; }
    var input = document.createElement("input");
    input.type = "hidden"; input.name = "action"; input.value = action;
    bulk.appendChild(input);
    if (target !== undefined) {
      var select = bulk.querySelector("select[name=target]");
      if (select) { select.value = target; }
      if (!select || select.value !== target) {
        var t = document.createElement("input");
        t.type = "hidden"; t.name = "target"; t.value = target;
        bulk.appendChild(t);
        if (select) { select.disabled = true; }
      }
    }
    bulk.submit();
  }

  // "select all" checkbox
  Array.prototype.forEach.call(document.querySelectorAll(".mail-check-all"), function (box) {
    box.addEventListener("change", function () {
      rows.forEach(function (row) {
        var c = row.querySelector("input[name=uid]");
        if (c) { c.checked = box.checked; }
      });
    });
  });

  // Clicking a row (outside links and checkboxes) opens the message.
  rows.forEach(function (row, index) {
    row.addEventListener("click", function (event) {
      if (event.target.closest("a, input, label, button")) { return; }
      setCursor(index);
      window.location.href = row.dataset.href;
    });
  });

  function setCursor(index) {
    if (!rows.length) { return; }
    index = Math.max(0, Math.min(rows.length - 1, index));
    if (cursor >= 0 && rows[cursor]) { rows[cursor].classList.remove("mail-cursor"); }
    cursor = index;
    rows[cursor].classList.add("mail-cursor");
    rows[cursor].focus({ preventScroll: true });
    rows[cursor].scrollIntoView({ block: "nearest" });
  }

  // Drag and drop: drag rows (the checked ones, or the dragged one) onto a folder.
  var dragged = [];
  rows.forEach(function (row) {
    row.addEventListener("dragstart", function (event) {
      var checked = rows.filter(function (r) {
        var c = r.querySelector("input[name=uid]");
        return c && c.checked;
      });
      if (checked.indexOf(row) < 0) { checked = [row]; }
      dragged = checked.map(function (r) { return r.dataset.uid; });
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.join(","));
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll(".mail-folder"), function (item) {
    item.addEventListener("dragover", function (event) {
      if (!dragged.length) { return; }
      event.preventDefault();
      item.classList.add("mail-drop");
    });
    item.addEventListener("dragleave", function () { item.classList.remove("mail-drop"); });
    item.addEventListener("drop", function (event) {
      event.preventDefault();
      item.classList.remove("mail-drop");
      if (!bulk || !dragged.length) { return; }
      rows.forEach(function (r) {
        var c = r.querySelector("input[name=uid]");
        if (c) { c.checked = dragged.indexOf(r.dataset.uid) >= 0; }
      });
      submitAction("move", item.dataset.folder);
    });
  });

  function follow(selector) {
    var link = document.querySelector(selector);
    if (link) { window.location.href = link.href; }
  }

  // Help overlay
  function openHelp() { if (help && help.showModal && !help.open) { help.showModal(); } }
  Array.prototype.forEach.call(document.querySelectorAll(".mail-help-open"), function (b) {
    b.addEventListener("click", openHelp);
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || event.target.isContentEditable) { return; }
    if (help && help.open) { return; }
    var reading = document.querySelector(".mail-message");
    switch (event.key) {
      case "?":
        openHelp(); event.preventDefault(); break;
      case "j":
        if (reading) { follow(".mail-next"); } else { setCursor(cursor + 1); }
        event.preventDefault(); break;
      case "k":
        if (reading) { follow(".mail-prev"); } else { setCursor(cursor < 0 ? 0 : cursor - 1); }
        event.preventDefault(); break;
      case "Enter":
        if (!reading && cursor >= 0) { window.location.href = rows[cursor].dataset.href; event.preventDefault(); }
        break;
      case "x":
        if (!reading && cursor >= 0) {
          var c = rows[cursor].querySelector("input[name=uid]");
          if (c) { c.checked = !c.checked; }
        }
        break;
      case "u":
        if (reading) { follow(".mail-back"); }
        break;
      case "Delete":
        if (reading) { submitAction("delete"); break; }
        if (cursor >= 0) {
          var any = rows.some(function (r) { var c = r.querySelector("input[name=uid]"); return c && c.checked; });
          if (!any) { var cc = rows[cursor].querySelector("input[name=uid]"); if (cc) { cc.checked = true; } }
        }
        submitAction("delete");
        event.preventDefault();
        break;
      default:
        break;
    }
  });
})();

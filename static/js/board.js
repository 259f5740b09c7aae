// The ranking board: drag-and-drop (SortableJS) and keyboard moves (the Move panel).
// Both end in the same hidden htmx form: the moved request, its new neighbours and the
// version of the board it was moved on. The server answers with what the move changed: the
// rows between the old and the new place, in their new order, the cut line when it falls among
// them, the figures and the new version, all swapped out of band (the message is the main
// swap, into #board-message). A refused move (stale, malformed) gets the whole board instead.
(function () {
  "use strict";

  var pendingFocus = null; // request id whose Move button gets focus after the swap
  var panelWasOpen = false;

  // Rows are addressed as "row-<request id>", by the server's out-of-band swaps too.
  function idOf(row) {
    return row.id.slice("row-".length);
  }

  function titleOf(row) {
    return row.querySelector(".title-cell a").textContent;
  }

  // After a swap: give the moved row's Move button (or its reopened panel) the focus again.
  function restoreFocus(board) {
    if (!pendingFocus) return;
    var row = document.getElementById("row-" + pendingFocus);
    pendingFocus = null;
    if (row) {
      if (panelWasOpen) openPanel(board, row);
      else row.querySelector(".move-button").focus();
    }
  }

  function rowsOf(board) {
    return Array.prototype.slice.call(board.querySelectorAll("tr.board-row"));
  }

  function announce(text) {
    var region = document.getElementById("board-announcer");
    if (!region) return;
    region.textContent = "";
    // A fresh text node after a tick makes screen readers read it even when it repeats.
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  function submitMove(board, row, afterRow, beforeRow, keepPanel) {
    var form = board.querySelector("form.move-form");
    form.elements.request.value = idOf(row);
    form.elements.after.value = afterRow ? idOf(afterRow) : "";
    form.elements.before.value = beforeRow ? idOf(beforeRow) : "";
    pendingFocus = idOf(row);
    panelWasOpen = keepPanel;
    board.setAttribute("aria-busy", "true");
    form.requestSubmit();
  }

  // Move `row` so that it ends at 0-based `index` in the list without it.
  function moveTo(board, row, index) {
    var rows = rowsOf(board);
    var current = rows.indexOf(row);
    var others = rows.filter(function (other) { return other !== row; });
    index = Math.max(0, Math.min(index, others.length));
    if (index === current) {
      announce("“" + titleOf(row) + "” is already at position " + (current + 1) + ".");
      return;
    }
    submitMove(board, row, others[index - 1], others[index], true);
  }

  function closePanel(board) {
    var open = board.querySelector("tr.move-panel-row");
    if (open) {
      var row = open.previousElementSibling;
      open.remove();
      if (row) {
        var button = row.querySelector(".move-button");
        button.setAttribute("aria-expanded", "false");
        return button;
      }
    }
    return null;
  }

  function openPanel(board, row) {
    closePanel(board);
    var template = document.getElementById("move-panel-template");
    var panelRow = template.content.firstElementChild.cloneNode(true);
    var input = panelRow.querySelector(".move-to-input");
    input.max = String(rowsOf(board).length);
    input.setAttribute("aria-label", "New position, 1 to " + rowsOf(board).length);
    panelRow.querySelector(".move-panel").setAttribute("aria-label", "Move “" + titleOf(row) + "”");
    row.after(panelRow);
    row.querySelector(".move-button").setAttribute("aria-expanded", "true");
    panelRow.querySelector("button").focus();
  }

  function onPanelAction(board, button) {
    var panelRow = button.closest("tr.move-panel-row");
    var row = panelRow.previousElementSibling;
    var rows = rowsOf(board);
    var current = rows.indexOf(row);
    var action = button.dataset.move;
    if (action === "close") {
      var moveButton = closePanel(board);
      if (moveButton) moveButton.focus();
    } else if (action === "up") {
      moveTo(board, row, current - 1);
    } else if (action === "down") {
      moveTo(board, row, current + 1);
    } else if (action === "top") {
      moveTo(board, row, 0);
    } else if (action === "bottom") {
      moveTo(board, row, rows.length - 1);
    } else if (action === "to") {
      var input = panelRow.querySelector(".move-to-input");
      var position = parseInt(input.value, 10);
      if (!(position >= 1 && position <= rows.length)) {
        announce("Enter a position from 1 to " + rows.length + ".");
        input.focus();
        return;
      }
      moveTo(board, row, position - 1);
    }
  }

  function init(board) {
    if (board.dataset.canMove !== "true" || board.dataset.ready) return;
    board.dataset.ready = "true";
    var tbody = board.querySelector("tbody");
    if (tbody && window.Sortable) {
      window.Sortable.create(tbody, {
        handle: "td.position",
        draggable: "tr.board-row",
        filter: ".cut-line, .move-panel-row",
        preventOnFilter: false,
        animation: 150,
        onStart: function () { closePanel(board); },
        onEnd: function (event) {
          if (event.oldIndex === event.newIndex) return;
          var row = event.item;
          var before = row.nextElementSibling;
          while (before && !before.classList.contains("board-row")) before = before.nextElementSibling;
          var after = row.previousElementSibling;
          while (after && !after.classList.contains("board-row")) after = after.previousElementSibling;
          submitMove(board, row, after, before, false);
        },
      });
    }
    board.addEventListener("click", function (event) {
      var moveButton = event.target.closest(".move-button");
      if (moveButton) {
        var row = moveButton.closest("tr.board-row");
        if (row.nextElementSibling && row.nextElementSibling.classList.contains("move-panel-row")) {
          closePanel(board);
        } else {
          openPanel(board, row);
        }
        return;
      }
      var action = event.target.closest("[data-move]");
      if (action) onPanelAction(board, action);
    });
    board.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && event.target.classList.contains("move-to-input")) {
        event.preventDefault();
        onPanelAction(board, event.target.closest("tr").querySelector("[data-move='to']"));
      } else if (event.key === "Escape" && event.target.closest("tr.move-panel-row")) {
        var moveButton = closePanel(board);
        if (moveButton) moveButton.focus();
      }
    });
  }

  document.addEventListener("ranking-moved", function (event) {
    if (event.detail && event.detail.message) announce(event.detail.message);
  });

  // A move's answer: its rows were swapped out of band before the message landed here.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (!event.target || event.target.id !== "board-message") return;
    var board = document.getElementById("board");
    if (!board) return;
    board.removeAttribute("aria-busy");
    restoreFocus(board);
  });

  // The whole board: on the first load, and when a refused move brings the fresh one.
  htmx.onLoad(function (element) {
    var board = element.id === "board" ? element : element.querySelector && element.querySelector("#board");
    if (!board) return;
    init(board);
    restoreFocus(board);
  });
})();

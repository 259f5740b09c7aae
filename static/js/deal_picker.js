// The request form's deal picker (templates/feature_requests/requests/form.html): a WAI-ARIA
// combobox per deal row. Typing asks the server for matches (htmx, hx-get on the text box);
// this script turns the answer into a listbox driven by the keyboard or the mouse, writes the
// picked deal's id into the row's hidden input, and adds rows up to the cap. The server checks
// every id again on save: nothing here decides what may be linked.
(function () {
  "use strict";

  var rows = document.querySelector("[data-deal-rows]");
  if (!rows) return;

  function rowOf(element) {
    return element.closest("[data-deal-row]");
  }

  function partsOf(row) {
    var input = row.querySelector("[data-deal-search]");
    return {
      input: input,
      hidden: row.querySelector("input[data-deal-id]"),
      popup: document.getElementById(input.id + "-popup"),
      status: row.querySelector("[data-deal-status]"),
    };
  }

  function options(parts) {
    return Array.prototype.slice.call(parts.popup.querySelectorAll("[role=option]"));
  }

  function announce(parts, text) {
    parts.status.textContent = text;
  }

  function activate(parts, option) {
    options(parts).forEach(function (each) {
      var on = each === option;
      each.setAttribute("aria-selected", on ? "true" : "false");
      each.classList.toggle("is-active", on);
    });
    if (option) {
      parts.input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      parts.input.removeAttribute("aria-activedescendant");
    }
  }

  function close(parts) {
    activate(parts, null);
    parts.popup.hidden = true;
    parts.input.setAttribute("aria-expanded", "false");
  }

  function open(parts) {
    var found = options(parts).length > 0;
    var note = parts.popup.querySelector("[data-deal-note]");
    parts.popup.hidden = !(found || note);
    parts.input.setAttribute("aria-expanded", found ? "true" : "false");
  }

  function pick(parts, option) {
    var label = option.getAttribute("data-label");
    parts.hidden.value = option.getAttribute("data-deal-id");
    parts.input.value = label;
    parts.input.setAttribute("data-picked-label", label);
    close(parts);
    announce(parts, "Linked " + label + ".");
  }

  function clear(parts) {
    parts.hidden.value = "";
    parts.input.value = "";
    parts.input.removeAttribute("data-picked-label");
    close(parts);
    announce(parts, "Deal cleared.");
  }

  // The search box is named after its row (deals-N-search, posted with the form); the picker
  // endpoint reads `q`.
  document.addEventListener("htmx:configRequest", function (event) {
    var input = event.detail.elt;
    if (!input.matches || !input.matches("[data-deal-search]")) return;
    var parameters = event.detail.parameters;
    delete parameters[input.name];
    parameters.q = input.value;
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var popup = event.detail.target;
    if (!popup.classList || !popup.classList.contains("deal-picker-popup")) return;
    var parts = partsOf(rowOf(popup));
    var listbox = popup.querySelector("[role=listbox]");
    if (listbox) listbox.id = parts.input.getAttribute("aria-controls");
    options(parts).forEach(function (option, index) {
      option.id = listbox.id + "-" + index;
    });
    var picked = parts.input.getAttribute("data-picked-label");
    var asked = parts.input.hasAttribute("data-asked");
    parts.input.removeAttribute("data-asked");
    // An answer to typing that arrives after a deal was picked is stale; ArrowDown asks again.
    var stale = !asked && picked !== null && parts.input.value === picked;
    if (stale || !parts.input.value.trim() || document.activeElement !== parts.input) {
      close(parts); // answered after a pick, an emptied box or leaving the row
      return;
    }
    activate(parts, null);
    open(parts);
    var count = options(parts).length;
    var note = popup.querySelector("[data-deal-note]");
    var said = count ? count + (count === 1 ? " deal matches" : " deals match") + ": use the arrow keys to choose, Enter to pick." : "";
    announce(parts, (said + " " + (note ? note.textContent.trim() : "")).trim());
  });

  rows.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches("[data-deal-search]")) return;
    var parts = partsOf(rowOf(input));
    if (input.value !== input.getAttribute("data-picked-label")) {
      // Typing over a picked deal unpicks it until another one is picked.
      parts.hidden.value = "";
      input.removeAttribute("data-picked-label");
    }
    if (!input.value.trim()) close(parts);
  });

  rows.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.matches("[data-deal-search]")) return;
    var parts = partsOf(rowOf(input));
    var all = options(parts);
    var expanded = input.getAttribute("aria-expanded") === "true";
    var current = all.indexOf(document.getElementById(input.getAttribute("aria-activedescendant")));
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!expanded) {
        if (all.length && input.value.trim()) {
          open(parts);
          activate(parts, all[event.key === "ArrowDown" ? 0 : all.length - 1]);
        } else if (input.value.trim()) {
          input.setAttribute("data-asked", "");
          htmx.trigger(input, "search");
        }
        return;
      }
      var next = event.key === "ArrowDown" ? current + 1 : current - 1;
      if (next >= all.length) next = 0;
      if (next < 0) next = all.length - 1;
      activate(parts, all[next]);
    } else if (event.key === "Enter") {
      if (expanded && current >= 0) {
        event.preventDefault(); // pick, do not submit the form
        pick(parts, all[current]);
      }
    } else if (event.key === "Escape") {
      if (expanded || !parts.popup.hidden) {
        event.preventDefault();
        close(parts);
      } else if (input.value) {
        event.preventDefault();
        clear(parts);
      }
    }
  });

  // Keep the focus in the text box while an option is clicked.
  rows.addEventListener("mousedown", function (event) {
    if (event.target.closest("[role=option]")) event.preventDefault();
  });

  rows.addEventListener("click", function (event) {
    var option = event.target.closest("[role=option]");
    if (option) {
      pick(partsOf(rowOf(option)), option);
      return;
    }
    var button = event.target.closest("[data-deal-clear]");
    if (button) {
      var parts = partsOf(rowOf(button));
      clear(parts);
      parts.input.focus();
    }
  });

  rows.addEventListener("focusout", function (event) {
    var row = rowOf(event.target);
    if (!row || !event.target.matches("[data-deal-search]")) return;
    if (event.relatedTarget && row.contains(event.relatedTarget)) return;
    close(partsOf(row));
  });

  // "Add another deal": a copy of the formset's empty row, numbered, until the cap.
  var addButton = document.querySelector("[data-add-deal-row]");
  var full = document.querySelector("[data-deal-rows-full]");
  var template = document.getElementById("deal-row-template");
  var total = document.getElementById("id_deals-TOTAL_FORMS");
  var most = parseInt(document.getElementById("id_deals-MAX_NUM_FORMS").value, 10);

  function showCap() {
    var atCap = parseInt(total.value, 10) >= most;
    addButton.hidden = atCap;
    full.hidden = !atCap;
  }

  if (addButton && full && template && total) {
    addButton.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      if (index >= most) return;
      var holder = document.createElement("div");
      holder.innerHTML = template.innerHTML
        .replace(/__prefix__/g, String(index))
        .replace(/__number__/g, String(index + 1));
      var row = holder.querySelector("[data-deal-row]");
      rows.appendChild(row);
      total.value = String(index + 1);
      htmx.process(row);
      showCap();
      row.querySelector("[data-deal-search]").focus();
    });
  }
})();

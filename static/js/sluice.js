// What Sluice's pages do in the browser besides htmx, loaded by base.html. Pages carry no inline
// scripts and no on...= handlers: the Content-Security-Policy runs scripts from our own static
// files only (docs/architecture.md), so behaviour is declared with data- attributes and wired here.
(function () {
  "use strict";

  // data-confirm="question" on a form, or on the button that submits it: ask first. Capturing on
  // the document runs before any listener of the form (htmx's included), so "Cancel" stops it all.
  document.addEventListener("submit", function (event) {
    var asking = [event.submitter, event.target].find(function (el) {
      return el && el.dataset && el.dataset.confirm;
    });
    if (asking && !window.confirm(asking.dataset.confirm)) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  // data-print on a button: print the page.
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });

  // data-copy="text" on a button: put the text on the clipboard (a full commit SHA shown short)
  // and say so on the button for a moment.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button || !navigator.clipboard) {
      return;
    }
    navigator.clipboard.writeText(button.dataset.copy).then(function () {
      var label = button.textContent;
      button.textContent = "copied";
      window.setTimeout(function () { button.textContent = label; }, 1500);
    });
  });

  // data-custom-window on a date field of a filter form: picking a date makes the window custom.
  // Captured, so the form's own change listener (htmx) sends the form with the new window.
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("[data-custom-window]") && field.form && field.form.window) {
      field.form.window.value = "custom";
    }
  }, true);

  // data-swap-refusals on a region htmx replaces: a refusal (400, 403, 409) comes back as the
  // region with the problem in it, so it is swapped in like a success instead of being dropped.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.target.closest("[data-swap-refusals]") && [400, 403, 409].includes(event.detail.xhr.status)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    } else if (event.detail.xhr.status === 403) {
      // Elsewhere a refusal (templates/partials/refusal.html, naming the role needed) is shown
      // as one line after the control that asked, instead of being dropped silently.
      var asker = event.detail.requestConfig.elt;
      var place = asker.closest("form") || asker;
      var said = new DOMParser().parseFromString(event.detail.xhr.responseText, "text/html").body.textContent.trim();
      var line = place.nextElementSibling;
      if (!line || !line.matches(".refusal")) {
        line = document.createElement("p");
        line.className = "refusal";
        line.setAttribute("role", "alert");
        place.insertAdjacentElement("afterend", line);
      }
      line.textContent = said;
    }
  });

  // data-use-slot on the booking check's "Use this slot" link: on the booking page, the free slot's
  // start and end (from the link's query) go into the form in place, so everything typed since the
  // check was drawn stays and the check runs again. Without scripts the link loads the form anew
  // with the slot and what had been typed when the check was drawn.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-use-slot]");
    var form = link && document.getElementById("booking-form");
    if (!form || !form.elements.start || !form.elements.end) {
      return;
    }
    event.preventDefault();
    var slot = new URL(link.href).searchParams;
    ["start", "end"].forEach(function (name) {
      form.elements[name].value = slot.get(name);
      form.elements[name].dispatchEvent(new Event("change", { bubbles: true }));
    });
    form.elements.start.focus();
  });

  // data-menu-toggle on a button: opens and closes the element it aria-controls (the main menu on
  // narrow screens); Escape closes it again and gives the focus back to the button.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-menu-toggle]");
    if (toggle) {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      document.getElementById(toggle.getAttribute("aria-controls")).classList.toggle("open", open);
    }
  });
  document.addEventListener("keydown", function (event) {
    var toggle = document.querySelector("[data-menu-toggle][aria-expanded='true']");
    if (event.key === "Escape" && toggle) {
      toggle.setAttribute("aria-expanded", "false");
      document.getElementById(toggle.getAttribute("aria-controls")).classList.remove("open");
      toggle.focus();
    }
  });
})();

// The booking calendar: drag along an environment's track to book that period. The drag snaps
// to the timeline's step (a quarter hour in the day view, an hour in the week view, a day in the
// month view) and opens the booking form with the environment, start and end filled in, in the
// viewer's time zone. Loaded by environments/calendar.html for people who may book; the form is
// the way to book without a pointer.
(function () {
  "use strict";

  var timeline = document.querySelector(".timeline[data-book-url]");
  if (!timeline) {
    return;
  }
  var windowStart = Number(timeline.dataset.windowStart);
  var windowEnd = Number(timeline.dataset.windowEnd);
  var step = Number(timeline.dataset.stepMinutes) * 60000;
  var parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: timeline.dataset.zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit",
  });

  // What a datetime-local field holds for `ms` in the viewer's zone: 2025-03-04T10:00.
  function local(ms) {
    var p = {};
    parts.formatToParts(new Date(ms)).forEach(function (part) { p[part.type] = part.value; });
    return p.year + "-" + p.month + "-" + p.day + "T" + p.hour + ":" + p.minute;
  }

  function label(ms) {
    return local(ms).slice(5).replace("T", " ");
  }

  // The moment under `x` on `track`, snapped to the step and kept inside the shown window.
  function momentAt(track, x) {
    var box = track.getBoundingClientRect();
    var fraction = Math.min(Math.max((x - box.left) / box.width, 0), 1);
    var ms = windowStart + fraction * (windowEnd - windowStart);
    return windowStart + Math.round((ms - windowStart) / step) * step;
  }

  var drag = null;

  function place() {
    var lower = Math.min(drag.from, drag.to);
    var upper = Math.max(drag.from, drag.to);
    var span = windowEnd - windowStart;
    drag.mark.style.left = ((lower - windowStart) / span * 100) + "%";
    drag.mark.style.width = ((upper - lower) / span * 100) + "%";
    // "12-07 10:00 – 12-07 12:00": the month and day too, since a drag may cross days.
    drag.mark.textContent = upper > lower ? label(lower) + " – " + label(upper) : "";
  }

  timeline.addEventListener("pointerdown", function (event) {
    var track = event.target.closest(".tl-row[data-bookable] .tl-track");
    if (!track || event.button !== 0) {
      return;
    }
    event.preventDefault();
    var mark = document.createElement("div");
    mark.className = "tl-selection";
    mark.setAttribute("data-testid", "drag-selection");
    track.appendChild(mark);
    var at = momentAt(track, event.clientX);
    drag = {track: track, from: at, to: at, mark: mark};
    place();
    track.setPointerCapture(event.pointerId);
  });

  timeline.addEventListener("pointermove", function (event) {
    if (drag) {
      drag.to = momentAt(drag.track, event.clientX);
      place();
    }
  });

  function finish(event, book) {
    if (!drag) {
      return;
    }
    var done = drag;
    drag = null;
    if (done.track.hasPointerCapture(event.pointerId)) {
      done.track.releasePointerCapture(event.pointerId);
    }
    var lower = Math.min(done.from, done.to);
    var upper = Math.max(done.from, done.to);
    if (!book || upper <= lower) {  // a click, not a drag: nothing chosen
      done.mark.remove();
      return;
    }
    var query = new URLSearchParams({
      environment: done.track.closest(".tl-row").dataset.environment, start: local(lower), end: local(upper),
    });
    window.location.assign(timeline.dataset.bookUrl + "?" + query.toString());
  }

  timeline.addEventListener("pointerup", function (event) { finish(event, true); });
  timeline.addEventListener("pointercancel", function (event) { finish(event, false); });
})();

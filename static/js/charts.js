// Draws the charts analytics.charts.figure_html writes: each element with data-plotly holds its
// figure as JSON (and data-plotly-config the options), drawn by plotly.js from our static files.
// htmx.onLoad runs for the page and again for every fragment htmx swaps in, so charts in a
// swapped-in fragment are drawn too. Loaded by {% plotly_js %}, after plotly.js.
(function () {
  "use strict";

  function draw(root) {
    root.querySelectorAll("[data-plotly]").forEach(function (el) {
      var figure = JSON.parse(el.dataset.plotly);
      el.removeAttribute("data-plotly");  // drawn once, even if htmx processes the fragment again
      window.Plotly.newPlot(el, figure.data, figure.layout, JSON.parse(el.dataset.plotlyConfig || "{}"));
    });
  }

  window.htmx.onLoad(draw);
})();

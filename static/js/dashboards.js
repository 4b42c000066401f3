// Charts for the dashboards. Data comes from json_script elements (CSP: no inline scripts);
// every chart has a table with the same figures next to it, and an aria-label on its canvas.
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  // Figures use Indonesian separators in both languages, as every page does (meritsys.formatting).
  var locale = "id-ID";
  var palette = ["#b02a37", "#e0a800", "#198754", "#0d6efd", "#6f42c1", "#20c997", "#fd7e14", "#6c757d"];
  var number = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });

  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function base(extra) {
    var options = {
      locale: locale,
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: {
        legend: { position: "bottom" },
        tooltip: {
          callbacks: {
            label: function (ctx) {
              var v = ctx.parsed.y !== undefined ? ctx.parsed.y : ctx.parsed.r;
              return ctx.dataset.label + ": " + (v === null || v === undefined ? "—" : number.format(v));
            }
          }
        }
      }
    };
    return Object.assign(options, extra || {});
  }

  var builders = {
    stacked: function (d) {
      return {
        type: "bar",
        data: {
          labels: d.labels,
          datasets: d.datasets.map(function (ds, i) {
            return { label: ds.label, data: ds.data, backgroundColor: palette[i % palette.length] };
          })
        },
        options: base({ scales: { x: { stacked: true }, y: { stacked: true, min: 0, max: 100, title: { display: !!d.yTitle, text: d.yTitle } } } })
      };
    },
    bar: function (d) {
      return {
        type: "bar",
        data: {
          labels: d.labels,
          datasets: d.datasets.map(function (ds) {
            return { label: ds.label, data: ds.data, backgroundColor: palette[3] };
          })
        },
        options: base({ indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true } } })
      };
    },
    trend: function (d) {
      var sets = [];
      d.datasets.forEach(function (ds, i) {
        var colour = palette[(i + 2) % palette.length];
        sets.push({ label: ds.label, data: ds.data, borderColor: colour, backgroundColor: colour, tension: 0.2 });
        sets.push({ label: ds.targetLabel, data: ds.target, borderColor: colour, borderDash: [6, 4], pointRadius: 0, fill: false });
      });
      return {
        type: "line",
        data: { labels: d.labels, datasets: sets },
        options: base({ scales: { y: { min: 0, max: 100, title: { display: true, text: d.yTitle } } } })
      };
    },
    line: function (d) {
      return {
        type: "line",
        data: {
          labels: d.labels,
          datasets: d.datasets.map(function (ds, i) {
            var colour = palette[(i + 3) % palette.length];
            var starts = d.labels.map(function (label) { return (d.changes || []).indexOf(label) >= 0; });
            return {
              label: ds.label, data: ds.data, borderColor: colour, backgroundColor: colour, spanGaps: true,
              pointStyle: starts.map(function (s) { return s ? "triangle" : "circle"; }),
              pointRadius: starts.map(function (s) { return s ? 7 : 3; })
            };
          })
        },
        // The axis comes from the data (an index runs 0 to 1, above 1 with a bonus); a period that
        // starts a new instrument is drawn as a triangle (the table marks it too).
        options: base({ scales: { y: { min: 0, max: d.yMax || undefined, title: { display: true, text: d.yTitle } } } })
      };
    },
    radar: function (d) {
      return {
        type: "radar",
        data: {
          labels: d.labels,
          datasets: d.datasets.map(function (ds, i) {
            var colour = palette[(i + 3) % palette.length];
            return { label: ds.label, data: ds.data, borderColor: colour, backgroundColor: colour + "33" };
          })
        },
        options: base({ scales: { r: { min: 0, max: 100 } } })
      };
    }
  };

  function draw() {
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var build = builders[canvas.getAttribute("data-chart")];
      var d = data(canvas.getAttribute("data-source"));
      if (build && d) { new Chart(canvas, build(d)); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();

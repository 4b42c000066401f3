// The survey page: progress as statements are answered, and answers kept in this browser
// (localStorage) until they are sent, so a dropped connection or a reload loses nothing.
(function () {
  var done = document.getElementById("survey-done");
  if (done) {
    try { localStorage.removeItem("meritsys-survey-" + done.getAttribute("data-survey")); } catch (e) { /* ignore */ }
  }
  var form = document.getElementById("survey-form");
  if (!form) { return; }
  var key = "meritsys-survey-" + form.getAttribute("data-survey");
  var total = parseInt(form.getAttribute("data-total"), 10);
  var bar = document.getElementById("survey-progress");
  var label = document.getElementById("survey-progress-label");
  function answered() {
    var names = {};
    form.querySelectorAll("input[type=radio]:checked").forEach(function (el) {
      if (el.name !== "unit") { names[el.name] = el.value; }
    });
    return names;
  }
  function update() {
    var values = answered();
    var done = Object.keys(values).length;
    var percent = total ? Math.round((done * 100) / total) : 0;
    bar.style.width = percent + "%";
    bar.parentNode.setAttribute("aria-valuenow", String(percent));
    label.textContent = label.getAttribute("data-template").replace("{done}", done).replace("{total}", total);
    var unit = form.querySelector("select[name=unit]");
    var token = form.querySelector("input[name=form_token]").value;
    try {
      localStorage.setItem(key, JSON.stringify({ answers: values, unit: unit ? unit.value : "", token: token }));
    } catch (e) { /* storage full or blocked: the page still works */ }
  }
  try {
    var saved = JSON.parse(localStorage.getItem(key) || "null");
    if (saved && form.getAttribute("data-fresh") === "1") {
      Object.keys(saved.answers || {}).forEach(function (name) {
        var el = form.querySelector("input[name='" + name.replace(/'/g, "") + "'][value='" + String(saved.answers[name]).replace(/'/g, "") + "']");
        if (el) { el.checked = true; }
      });
      var unit = form.querySelector("select[name=unit]");
      if (unit && saved.unit) { unit.value = saved.unit; }
      // Keep the first form's token: the time spent answering counts from the first visit.
      if (saved.token) { form.querySelector("input[name=form_token]").value = saved.token; }
    }
  } catch (e) { /* nothing saved */ }
  form.addEventListener("change", update);
  update();
})();

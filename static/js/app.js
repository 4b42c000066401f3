// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el.matches && el.matches("select[data-autosubmit]")) { el.form.submit(); }
});
document.addEventListener("click", function (event) {
  var el = event.target.closest && event.target.closest("[data-confirm]");
  if (el && !window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
  var back = event.target.closest && event.target.closest("[data-back]");
  if (back) { event.preventDefault(); window.history.back(); }
});
// A table wider than its scroll box can be scrolled with the keyboard: the box takes focus.
function markScrollableRegions(root) {
  (root || document).querySelectorAll(".table-responsive, .overflow-auto").forEach(function (box) {
    if (box.scrollWidth > box.clientWidth + 1) {
      box.setAttribute("tabindex", "0");
    } else if (box.getAttribute("tabindex") === "0") {
      box.removeAttribute("tabindex");
    }
  });
}
document.addEventListener("DOMContentLoaded", function () { markScrollableRegions(); });
window.addEventListener("resize", function () { markScrollableRegions(); });
document.addEventListener("htmx:afterSettle", function (event) { markScrollableRegions(event.target); });

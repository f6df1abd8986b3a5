// symflat blueprint: the claim filter, the graph's fit toggle, and marking the node of the claim in view.
// Plain script, no library, no network: it works from file://.
(function () {
  "use strict";
  function apply(form) {
    var statuses = Array.prototype.map.call(form.querySelectorAll('input[name="status"]:checked'), function (i) { return i.value; });
    var kind = form.querySelector('select[name="kind"]').value;
    var paperSel = form.querySelector('select[name="paper"]');
    var paper = paperSel ? paperSel.value : "";
    var shown = 0, total = 0;
    document.querySelectorAll("article.claim, tr.claim-row, .gnode").forEach(function (el) {
      var ok = statuses.indexOf(el.dataset.status) >= 0 && (!kind || el.dataset.kind === kind) && (!paper || el.dataset.paper === paper);
      if (el.classList.contains("gnode")) { el.classList.toggle("dim", !ok); return; }
      el.hidden = !ok;
      total += 1;
      if (ok) { shown += 1; }
    });
    var count = form.querySelector(".count");
    if (count) { count.textContent = "showing " + shown + " of " + total; }
  }
  document.querySelectorAll("form.filter").forEach(function (form) {
    form.addEventListener("change", function () { apply(form); });
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    apply(form);
  });
  document.querySelectorAll(".fit-toggle").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var box = document.querySelector(".graph-box");
      var fit = box.classList.toggle("fit");
      btn.setAttribute("aria-pressed", fit ? "true" : "false");
      btn.textContent = fit ? "actual size" : "fit to width";
    });
  });
  function markTarget() {
    document.querySelectorAll(".gnode.here").forEach(function (n) { n.classList.remove("here"); });
    var id = decodeURIComponent(location.hash.slice(1));
    var node = id && document.getElementById("node-" + id);
    if (node) { node.classList.add("here"); }
    var card = id && document.getElementById(id);
    if (card && card.hidden) { card.hidden = false; }
  }
  window.addEventListener("hashchange", markTarget);
  markTarget();
}());

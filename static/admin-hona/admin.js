/* Django's two-list widget (SelectFilter2) labels its search icon with aria-label on a bare span,
   which assistive technology ignores (axe: aria-prohibited-attr). Give it the role of an image so
   the label is read. The widget builds itself on window load, after this script has run. */
(function () {
  "use strict";
  function fix() {
    document.querySelectorAll(".search-label-icon[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }
  window.addEventListener("load", function () {
    window.setTimeout(fix, 0);
  });
})();

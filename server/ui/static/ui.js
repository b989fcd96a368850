// ccg workbench: clicking an error in the playground puts the cursor at
// its line and column in the CQL editor.
(function () {
  "use strict";
  function moveTo(textarea, line, col) {
    var lines = textarea.value.split("\n");
    var pos = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) {
      pos += lines[i].length + 1;
    }
    pos += Math.max(col - 1, 0);
    textarea.focus();
    textarea.setSelectionRange(pos, pos);
    var lineHeight = textarea.scrollHeight / Math.max(lines.length, 1);
    textarea.scrollTop = Math.max(0, (line - 3) * lineHeight);
  }
  document.addEventListener("click", function (ev) {
    var b = ev.target.closest && ev.target.closest("button.goto");
    if (!b) {
      return;
    }
    var ta = document.getElementById("source");
    if (ta) {
      moveTo(ta, parseInt(b.dataset.line, 10), parseInt(b.dataset.col, 10));
    }
  });
})();

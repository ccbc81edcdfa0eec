// Coding by mouse: selecting a passage of the testimony fills in the coding form with
// the passage and where it starts, so the server anchors the right occurrence.
// Without this script the form still works by quoting the passage.
(function () {
  "use strict";
  var text = document.getElementById("coded-text");
  var form = document.getElementById("coding-form");
  if (!text || !form) {
    return;
  }
  var passage = form.querySelector("textarea[name=passage]");
  var start = form.querySelector("input[name=start]");
  document.getElementById("selection-help").hidden = false;

  // Offsets count characters as the server does (code points, not UTF-16 units).
  function length(string) {
    return Array.from(string).length;
  }

  function offsetOf(node, offset) {
    var range = document.createRange();
    range.selectNodeContents(text);
    range.setEnd(node, offset);
    return length(range.toString());
  }

  function takeSelection() {
    var selection = window.getSelection();
    if (!selection.rangeCount || selection.isCollapsed) {
      return;
    }
    var range = selection.getRangeAt(0);
    if (!text.contains(range.startContainer) || !text.contains(range.endContainer)) {
      return;
    }
    var raw = range.toString();
    var quoted = raw.trim();
    if (!quoted) {
      return;
    }
    start.value = offsetOf(range.startContainer, range.startOffset) +
      length(raw) - length(raw.replace(/^\s+/, ""));
    passage.value = quoted;
  }

  text.addEventListener("mouseup", takeSelection);
  text.addEventListener("keyup", takeSelection);
  passage.addEventListener("input", function () {
    start.value = "";
  });
}());

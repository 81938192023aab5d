/* The book's own page behaviour, loaded deferred on every page.

   1. Phone navigation. pydata-sphinx-theme and sphinx-book-theme bind the
      first .primary-toggle / .secondary-toggle in the page. The book's
      configuration leaves no hidden header copy of those buttons, so the
      visible ones are bound; what remains here is a guard that a stray
      copy (a future theme version writing one again) still works: every
      toggle forwards its click to the one the theme bound.

   2. Scroll cues. A table or display equation wider than the column
      scrolls inside its own box. Such a box gets the class
      "book-overflows" (the stylesheet fades the side with more content and
      shows a scroll bar), a short visible cue above it, and is made
      keyboard-focusable with a label, so that keyboard users can scroll it
      too. An inline formula longer than its line gets the class
      "book-inline-scroll" and scrolls in place. The check runs again when the page is resized and once MathJax
      has typeset the page.
*/
(function () {
  "use strict";

  function forwardToggles(selector) {
    const toggles = Array.from(document.querySelectorAll(selector));
    if (toggles.length < 2) {
      return;
    }
    const bound = toggles[0];
    toggles.slice(1).forEach((toggle) => {
      toggle.addEventListener("click", (event) => {
        event.preventDefault();
        event.stopPropagation();
        bound.click();
      });
    });
  }

  const SCROLL_BOXES = [
    "article .pst-scrollable-table-container",
    "article div.math",
    "article mjx-container[display='true']",
  ].join(", ");

  function cueFor(box) {
    const previous = box.previousElementSibling;
    if (previous && previous.classList.contains("book-scroll-cue")) {
      return previous;
    }
    const cue = document.createElement("p");
    cue.className = "book-scroll-cue";
    cue.setAttribute("aria-hidden", "true");
    cue.textContent = "Scroll sideways for more \u2192";
    box.parentNode.insertBefore(cue, box);
    return cue;
  }

  function updateEdges(box) {
    const atStart = box.scrollLeft <= 1;
    const atEnd = box.scrollLeft + box.clientWidth >= box.scrollWidth - 1;
    box.classList.toggle("book-more-left", !atStart);
    box.classList.toggle("book-more-right", !atEnd);
  }

  function markOverflowing() {
    document.querySelectorAll(SCROLL_BOXES).forEach((box) => {
      // A display equation inside a div.math scrolls in the outer box.
      if (box.matches("mjx-container") && box.closest("div.math")) {
        return;
      }
      const overflows = box.scrollWidth > box.clientWidth + 1;
      box.classList.toggle("book-overflows", overflows);
      if (overflows) {
        const isTable = box.querySelector("table") !== null;
        cueFor(box).hidden = false;
        if (!box.hasAttribute("tabindex")) {
          box.setAttribute("tabindex", "0");
        }
        if (!box.hasAttribute("role")) {
          box.setAttribute("role", "region");
          box.setAttribute(
            "aria-label",
            isTable ? "Wide table, scrolls sideways" :
              "Wide equation, scrolls sideways",
          );
        }
        if (!box.dataset.bookScrollWatched) {
          box.dataset.bookScrollWatched = "yes";
          box.addEventListener("scroll", () => updateEdges(box),
            { passive: true });
        }
        updateEdges(box);
      } else {
        const previous = box.previousElementSibling;
        if (previous && previous.classList.contains("book-scroll-cue")) {
          previous.hidden = true;
        }
        box.classList.remove("book-more-left", "book-more-right");
      }
    });
    markLongInlineMath();
    document.documentElement.dataset.bookScrollCues = "ready";
  }

  function markLongInlineMath() {
    const selector = "article mjx-container:not([display='true'])";
    document.querySelectorAll(selector).forEach((formula) => {
      formula.classList.remove("book-inline-scroll");
      const block = formula.closest("p, li, dd, td, th, div") || formula;
      const limit = block.getBoundingClientRect().right;
      if (formula.getBoundingClientRect().right > limit + 1) {
        formula.classList.add("book-inline-scroll");
      }
    });
  }

  let resizeTimer = null;
  function onResize() {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(markOverflowing, 150);
  }

  function start() {
    forwardToggles(".primary-toggle");
    forwardToggles(".secondary-toggle");
    markOverflowing();
    window.addEventListener("resize", onResize);
    window.addEventListener("beforeprint", markOverflowing);
    window.addEventListener("load", markOverflowing);
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      MathJax.startup.promise.then(markOverflowing);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

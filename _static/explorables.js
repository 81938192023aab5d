/* The book's explorables: Vega views with their controls, drawn in the
   browser from the Vega specifications the build compiled
   (_ext/explorables.py). Loaded, after _static/vega/vega.min.js, only on
   pages that have one.

   Every figure carries two layouts: "wide" puts its views side by side,
   "narrow" stacks them for a phone. The wider one that fits the column is
   drawn, and drawn again in the other when a resize crosses the boundary,
   keeping the reader's settings. Until the live figure has drawn (or
   without JavaScript, or on paper) its static image shows.
*/
(function () {
  "use strict";

  // The wide layouts are about 700 px wide with their axes.
  const WIDE_FROM = 700;

  function specFor(figure, layout) {
    const script = figure.querySelector(
      `script.explorable-spec[data-layout="${layout}"]`
    );
    return JSON.parse(script.textContent);
  }

  function boundSignals(spec) {
    return (spec.signals || []).filter((signal) => signal.bind);
  }

  async function draw(figure, layout) {
    const live = figure.querySelector(".explorable-live");
    const controls = figure.querySelector(".explorable-controls");
    const spec = specFor(figure, layout);
    const previous = figure.vegaView;
    if (previous) {
      // Carry the reader's settings over to the other layout.
      boundSignals(spec).forEach((signal) => {
        signal.value = previous.signal(signal.name);
      });
      previous.finalize();
      live.replaceChildren();
      controls.replaceChildren();
    }
    const view = new vega.View(vega.parse(spec), {
      renderer: "svg",
      container: live,
      bind: controls,
      hover: false,
    });
    figure.vegaView = view;
    figure.dataset.layout = layout;
    await view.runAsync();
    figure.classList.add("is-live");
  }

  function layoutFor(figure) {
    return figure.clientWidth >= WIDE_FROM ? "wide" : "narrow";
  }

  function start() {
    if (typeof vega === "undefined") {
      return;
    }
    const figures = Array.from(
      document.querySelectorAll("figure.explorable")
    );
    figures.forEach((figure) => {
      draw(figure, layoutFor(figure)).catch((error) => {
        // The static image stays.
        console.warn("explorable", figure.id, error);
      });
    });
    let pending = null;
    window.addEventListener("resize", () => {
      clearTimeout(pending);
      pending = setTimeout(() => {
        figures.forEach((figure) => {
          const layout = layoutFor(figure);
          if (figure.vegaView && layout !== figure.dataset.layout) {
            draw(figure, layout);
          }
        });
      }, 150);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

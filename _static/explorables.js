/* The book's explorables: Vega views with their controls, drawn in the
   browser from the Vega specifications the build compiled
   (_ext/explorables.py). Loaded only on pages that have one.

   Vega (_static/vega/vega.min.js, half a megabyte) is fetched when a
   figure comes within two screens of the viewport, so a reader who never
   reaches it does not download it, and the page's first load stays as
   light as a page without one.

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

  function drawAll(figures) {
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

  // vega.min.js sits beside this script's folder: _static/vega/.
  const VEGA_URL = new URL("vega/vega.min.js", document.currentScript.src);

  function loadVega() {
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = VEGA_URL.href;
      script.onload = resolve;
      script.onerror = () => reject(new Error(`cannot load ${script.src}`));
      document.head.append(script);
    });
  }

  function start() {
    const figures = Array.from(
      document.querySelectorAll("figure.explorable")
    );
    if (!figures.length) {
      return;
    }
    const observer = new IntersectionObserver(
      (entries) => {
        if (!entries.some((entry) => entry.isIntersecting)) {
          return;
        }
        observer.disconnect();
        loadVega().then(
          () => drawAll(figures),
          (error) => console.warn("explorables:", error.message)
        );
      },
      { rootMargin: "200% 0px" }
    );
    figures.forEach((figure) => observer.observe(figure));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

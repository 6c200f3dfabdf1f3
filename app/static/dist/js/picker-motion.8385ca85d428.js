// Hexpack picker: when the first screen of stickers is painted, and animated stickers. Runs before
// picker.js, which uses window.hexpackMotion: afterFirstScreen(main, callback), then bind(main, widget).
// An animated sticker shows a still poster (src) and keeps the animation in data-anim: it plays while
// on screen once the first screen is painted, and on hover or keyboard focus, but never under
// prefers-reduced-motion (asking for it later stops every animation at once).
"use strict";
(() => {
  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
  let main = null;
  let observer = null;

  // Calls back once every sticker image on the first screen has loaded (or failed) and been painted.
  function afterFirstScreen(root, callback) {
    const height = window.innerHeight;
    const onScreen = [...root.querySelectorAll("button.s img")].filter((img) => {
      const box = img.getBoundingClientRect();
      return box.width > 0 && box.top < height && box.bottom > 0;
    });
    const pending = onScreen.filter((img) => img.dataset.src || !img.complete);
    let left = pending.length;
    let called = false;
    const done = () => requestAnimationFrame(() => requestAnimationFrame(() => {
      if (!called) { called = true; callback(); }
    }));
    if (left === 0) { done(); return; }
    setTimeout(done, 10000); // an image replaced before it loaded (identity.js) never reports
    const settle = () => { left -= 1; if (left === 0) done(); };
    pending.forEach((img) => {
      img.addEventListener("load", settle, { once: true });
      img.addEventListener("error", settle, { once: true });
    });
  }

  function bind(root, widget) {
    main = root;
    const play = (event) => {
      const button = event.target.closest && event.target.closest("button.s");
      const img = button && button.querySelector("img[data-anim]");
      if (img) animate(img);
    };
    main.addEventListener("pointerover", play);
    main.addEventListener("focusin", play);
    reducedMotion.addEventListener("change", () => {
      if (reducedMotion.matches) document.querySelectorAll("img[data-still]").forEach(still);
      else watch();
    });
    widget.on("packs", watch); // identity.js swapped in the user's own packs
    watch();
  }

  function watch() {
    if (!("IntersectionObserver" in window)) return;
    if (observer) observer.disconnect();
    observer = new IntersectionObserver((entries) => {
      entries.forEach((entry) => { if (entry.isIntersecting) animate(entry.target); });
    });
    main.querySelectorAll("img[data-anim]").forEach((img) => observer.observe(img));
  }

  function animate(img) {
    if (reducedMotion.matches || !img.dataset.anim || img.dataset.still) return;
    if (img.dataset.src) { // not loaded yet: load the animation straight away
      img.dataset.still = img.dataset.src;
      img.dataset.src = img.dataset.anim;
    } else {
      img.dataset.still = img.getAttribute("src");
      img.src = img.dataset.anim;
    }
  }

  function still(img) {
    if (img.dataset.src) img.dataset.src = img.dataset.still;
    else img.src = img.dataset.still;
    img.removeAttribute("data-still");
  }

  window.hexpackMotion = { afterFirstScreen, bind };
})();

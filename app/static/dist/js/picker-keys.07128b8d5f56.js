// Hexpack picker keyboard in the sticker grids (a roving tabindex): each grid is one Tab stop, its
// sticker last focused while shown, else its first. Arrow keys move by the grid's actual column count
// and go on into the next or previous grid, Home/End go to a grid's ends; Enter and Space send (a
// button's own click, handled by picker.js). Runs before picker.js, which uses
// window.hexpackGridKeys: bind() once the page is parsed, then moveTo, resetTabStops, firstSticker.
"use strict";
(() => {
  let main = null; // #packs, holding every grid
  let search = null; // the search box, where ArrowUp from the top row goes

  function bind(packs, searchBox) {
    main = packs;
    search = searchBox;
    main.addEventListener("keydown", onGridKey);
    // A sticker focused any other way (a click, Tab, a script) becomes its grid's tab stop.
    main.addEventListener("focusin", (event) => {
      if (event.target.matches("button.s")) setTabStop(event.target.closest(".grid"), event.target);
    });
  }

  function shownStickers(grid) {
    return [...grid.querySelectorAll("button.s")].filter((button) => !button.hidden);
  }

  function shownGrids() {
    return [...main.querySelectorAll(".grid")]
      .filter((grid) => grid.offsetParent && shownStickers(grid).length);
  }

  function setTabStop(grid, stop) {
    grid.querySelectorAll("button.s").forEach((button) => {
      const index = button === stop ? 0 : -1;
      if (button.tabIndex !== index || !button.hasAttribute("tabindex")) button.tabIndex = index;
    });
  }

  function resetTabStops() {
    main.querySelectorAll(".grid").forEach((grid) =>
      setTabStop(grid, grid.querySelector('button.s[tabindex="0"]:not([hidden])') || shownStickers(grid)[0]));
  }

  function columnsOf(grid) {
    return getComputedStyle(grid).gridTemplateColumns.split(" ").length;
  }

  function onGridKey(event) {
    const keys = ["ArrowRight", "ArrowLeft", "ArrowDown", "ArrowUp", "Home", "End"];
    if (!keys.includes(event.key) || !event.target.matches("button.s") || event.altKey || event.metaKey) return;
    event.preventDefault();
    const grids = shownGrids();
    const grid = event.target.closest(".grid");
    const at = { grids, grid: grids.indexOf(grid), stickers: shownStickers(grid), columns: columnsOf(grid) };
    at.index = at.stickers.indexOf(event.target);
    const next = keyTarget(event.key, at);
    if (next) moveTo(next);
    else if (event.key === "ArrowUp") search.focus(); // from the top row back to the search box
  }

  // The sticker a key leads to from at.index in grid at.grid, or null at the picker's ends.
  function keyTarget(key, at) {
    const { stickers, index, columns } = at;
    const column = index % columns;
    const lastRow = Math.floor((stickers.length - 1) / columns);
    switch (key) {
      case "Home": return stickers[0];
      case "End": return stickers[stickers.length - 1];
      case "ArrowRight": return stickers[index + 1] || neighbourGrid(at, 1, 0);
      case "ArrowLeft": return stickers[index - 1] || neighbourGrid(at, -1, Infinity);
      case "ArrowUp": return index >= columns ? stickers[index - columns] : neighbourGrid(at, -1, column, true);
      default: // ArrowDown: a short last row below is reached from any column
        if (Math.floor(index / columns) < lastRow) return stickers[Math.min(index + columns, stickers.length - 1)];
        return neighbourGrid(at, 1, column);
    }
  }

  // In the next (direction 1) or previous (-1) shown grid: the sticker at `position` of its first
  // row, or of its last row with `fromEnd`; positions past the end clamp to its last sticker.
  function neighbourGrid(at, direction, position, fromEnd) {
    const grid = at.grids[at.grid + direction];
    if (!grid) return null;
    const stickers = shownStickers(grid);
    const start = fromEnd ? Math.floor((stickers.length - 1) / columnsOf(grid)) * columnsOf(grid) : 0;
    return stickers[Math.min(start + position, stickers.length - 1)];
  }

  function moveTo(sticker) {
    setTabStop(sticker.closest(".grid"), sticker);
    sticker.focus();
    sticker.scrollIntoView({ block: "nearest" });
  }

  function firstSticker() {
    const grid = shownGrids()[0];
    return grid ? shownStickers(grid)[0] : null;
  }

  window.hexpackGridKeys = { bind, moveTo, resetTabStops, firstSticker };
})();

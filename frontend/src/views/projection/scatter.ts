// The projection scatter: a WebGL2 point renderer that blends two layouts on the GPU. Written by
// hand rather than with regl-scatterplot because the animation needs what that library does not
// expose: each layer's positions resident on the GPU in a buffer of its own (uploaded once, as
// the layer arrives), any two of them mixed by a uniform t per frame (scrubbing, interrupting a
// transition half way: the shown positions are captured on the GPU by transform feedback), and
// nothing else uploaded while it plays. Colours are per legend entry (a palette texture), the
// points' entries uploaded once per colouring. Each layer's fit to the canvas (fit.ts), zoom,
// pan, size and opacity are uniforms; picking goes through each layer's k-d tree (picking.ts).
//
// The points are drawn into an offscreen picture, which each frame copies to the canvas before
// the highlight rings: a hover redraws no point. Where the renderer is slow (software, as in a
// headless browser), a frame draws a budget's worth of points (frame-budget.ts): a moving frame
// draws a sample, the first points of the shuffled order, more opaque so that it covers the
// canvas as all of them would (density.ts); at rest the sample is shown while the full picture
// fills in behind it, a budget's worth a frame, in order (so that it is the picture drawn at
// once), and replaces it when complete.
import { isPlaced } from "./coords";
import { autoOpacity, MAX_OPACITY, sampleOpacity } from "./density";
import { canvasEdges, fitExtent, fitted, IDENTITY, layerExtent, type Edges, type Fit } from "./fit";
import { createFrameBudget } from "./frame-budget";
import { createLayerIndexes } from "./layer-index";
import { layerQuery, pickNearest, toClient, type ViewTransform } from "./picking";
import { ATTRIBUTES, PALETTE_WIDTH, SHADERS } from "./shaders";

export interface Blend {
  /** Slots (layers, or a snapshot slot) mixed as mix(from, to, t). */
  from: number;
  to: number;
  t: number;
}

export interface Highlights {
  hover: number | null;
  current: number | null;
  /** Tray images' points: drawn larger, outlined, on top. */
  tray?: readonly number[];
  /** The dataset images those were made from: a thinner outline. */
  originals?: readonly number[];
}

/** How the points are drawn: the user's size factor, opacity (null: from the density) and
 * whether moving frames may leave points out to keep the frame rate. */
export interface PointStyle {
  scale: number;
  opacity: number | null;
  thin: boolean;
}

/** What the last frame drew. */
export interface Drawn {
  /** Points drawn (of `total`): fewer while thinned, or while a resting frame fills in. */
  points: number;
  total: number;
  /** The opacity of the points at rest (auto or the user's). */
  opacity: number;
  /** Whether the frame was a moving frame with points left out. */
  thinned: boolean;
}

export interface Scatter {
  readonly element: HTMLCanvasElement;
  /** A projection of `count` points at `layers` layers; its layers come one by one (setLayer). */
  setData(layers: number, count: number): void;
  /** One layer's coordinates (x, y per point, unplaced points marked: coords.ts). */
  setLayer(layer: number, coords: Float32Array): void;
  hasLayer(layer: number): boolean;
  /** Fit each layer's central 96% to the canvas (true), or show the layouts as they come. */
  setFitted(fitted: boolean): void;
  /** Each point's legend entry (slot), and each entry's RGBA (alpha 0 hides its points). */
  setColors(slots: Uint16Array, entries: Uint8Array): void;
  /** New entry colours for the same slots (an entry shown or hidden). */
  setEntryColors(entries: Uint8Array): void;
  setHighlights(highlights: Highlights): void;
  setStyle(style: PointStyle): void;
  /** Capture the positions shown by `blend` into a snapshot slot; returns that slot. */
  snapshot(blend: Blend): number;
  /** Draw `blend` (`moving`: part of a transition). True while a resting picture is not yet
   * complete: draw again next frame. */
  render(blend: Blend, moving: boolean): boolean;
  lastDrawn(): Drawn;
  /** The visible point drawn nearest to a client position (within a few pixels), or null: at
   * rest on a layer only, once its index is built (`onPickable` then says to pick again). */
  pick(clientX: number, clientY: number): number | null;
  /** Where point `index` is drawn at rest on a layer, in client pixels. */
  clientPosition(index: number, blend: Blend): { x: number; y: number } | null;
  /** Zoom by `factor` about a client position, or pan by client pixels. */
  zoom(factor: number, clientX: number, clientY: number): void;
  pan(dx: number, dy: number): void;
  resetView(): void;
  /** Match the drawing buffer to the element's size; true when it changed. */
  resize(): boolean;
  /** CSS pixel size of the points. */
  pointSize(): number;
  destroy(): void;
}

export interface ScatterOptions {
  /** A layer's picking index became ready: a pick that found none may find a point now. */
  onPickable(): void;
}

const MARGIN = 0.92; // the unit square fills this fraction of the shorter side
const TRAY_RING: [number, number, number] = [0x7b / 255, 0x2c / 255, 0xbf / 255]; // legend's TRAY_OUTLINE

function compile(gl: WebGL2RenderingContext, type: number, source: string): WebGLShader {
  const shader = gl.createShader(type);
  if (!shader) throw new Error("WebGL: cannot create a shader");
  gl.shaderSource(shader, source);
  gl.compileShader(shader);
  if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS))
    throw new Error(`WebGL shader: ${gl.getShaderInfoLog(shader) ?? "?"}`);
  return shader;
}

function link(gl: WebGL2RenderingContext, vertex: string, fragment: string, feedback?: string): WebGLProgram {
  const program = gl.createProgram();
  if (!program) throw new Error("WebGL: cannot create a program");
  gl.attachShader(program, compile(gl, gl.VERTEX_SHADER, vertex));
  gl.attachShader(program, compile(gl, gl.FRAGMENT_SHADER, fragment));
  if (feedback) gl.transformFeedbackVaryings(program, [feedback], gl.INTERLEAVED_ATTRIBS);
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS))
    throw new Error(`WebGL program: ${gl.getProgramInfoLog(program) ?? "?"}`);
  return program;
}

/** Point diameter in CSS pixels for `count` points: large for a handful, small for thousands. */
export function basePointSize(count: number): number {
  return Math.min(13, Math.max(2, 15 - 2.7 * Math.log10(Math.max(1, count))));
}

export function createScatter(options: ScatterOptions): Scatter {
  const canvas = document.createElement("canvas");
  canvas.id = "projection-canvas";
  const context = canvas.getContext("webgl2", {
    alpha: false,
    antialias: false,
    depth: false,
    stencil: false,
    premultipliedAlpha: false,
  });
  if (!context) throw new Error("This browser has no WebGL2, which the projection view needs.");
  const gl: WebGL2RenderingContext = context;
  const program = link(gl, SHADERS.vertex, SHADERS.fragment);
  const snapshotProgram = link(gl, SHADERS.snapshotVertex, SHADERS.snapshotFragment, "v_position");
  const pictureProgram = link(gl, SHADERS.pictureVertex, SHADERS.pictureFragment);
  const pictureVao = gl.createVertexArray(); // no attributes: the corners come from gl_VertexID
  const uniforms = (p: WebGLProgram, names: readonly string[]): Record<string, WebGLUniformLocation | null> =>
    Object.fromEntries(names.map((name) => [name, gl.getUniformLocation(p, name)]));
  const FIT_UNIFORMS = ["u_t", "u_fit_from", "u_fit_to", "u_knee", "u_limit"] as const;
  const u = uniforms(program, [
    ...FIT_UNIFORMS,
    "u_scale",
    "u_offset",
    "u_size",
    "u_ring",
    "u_ring_color",
    "u_opacity",
    "u_palette",
  ]);
  const us = uniforms(snapshotProgram, FIT_UNIFORMS);
  const uPicture = gl.getUniformLocation(pictureProgram, "u_picture");
  const vao = gl.createVertexArray();
  const slotBuffer = gl.createBuffer();
  const palette = gl.createTexture();
  const feedback = gl.createTransformFeedback();
  gl.bindVertexArray(vao);
  gl.enableVertexAttribArray(ATTRIBUTES.from);
  gl.enableVertexAttribArray(ATTRIBUTES.to);
  gl.enableVertexAttribArray(ATTRIBUTES.slot);
  gl.bindBuffer(gl.ARRAY_BUFFER, slotBuffer);
  gl.vertexAttribIPointer(ATTRIBUTES.slot, 1, gl.UNSIGNED_SHORT, 0, 0);
  gl.bindVertexArray(null);
  // Read texel by texel: without mipmaps, a texture is complete only when filtered NEAREST.
  const nearest = (texture: WebGLTexture): void => {
    gl.bindTexture(gl.TEXTURE_2D, texture);
    for (const parameter of [gl.TEXTURE_MIN_FILTER, gl.TEXTURE_MAG_FILTER])
      gl.texParameteri(gl.TEXTURE_2D, parameter, gl.NEAREST);
  };
  nearest(palette);
  /** An offscreen picture of the points (the canvas's size): what it shows (`scene`) and how
   * many of its points are drawn. */
  interface Picture {
    texture: WebGLTexture;
    framebuffer: WebGLFramebuffer;
    scene: string;
    drawn: number;
  }
  const makePicture = (): Picture => {
    const texture = gl.createTexture();
    nearest(texture);
    return { texture, framebuffer: gl.createFramebuffer(), scene: "", drawn: 0 };
  };
  const sample = makePicture(); // a moving frame, or the preview while the full one fills in
  const full = makePicture();
  let pictureSize = [0, 0];

  let layers = 0;
  let count = 0;
  // Slots 0..layers-1 are layers, layers and layers+1 the two snapshots (a snapshot may be
  // taken of a blend that starts from the other one).
  let buffers: (WebGLBuffer | null)[] = [];
  let coords: (Float32Array | undefined)[] = [];
  let extents: (Float32Array | undefined)[] = [];
  let slots: Uint16Array = new Uint16Array(0);
  let entryRgba: Uint8Array = new Uint8Array(0);
  let slotCounts: Float64Array = new Float64Array(0);
  let visiblePoints = 0;
  let fitted_ = true;
  let style: PointStyle = { scale: 1, opacity: null, thin: true };
  let highlights: Highlights = { hover: null, current: null };
  let zoomLevel = 1;
  let offset: [number, number] = [0, 0]; // pan, in view units
  let lost = false;
  let drawnBlend: Blend | null = null; // the blend of the last frame rendered
  let version = 0; // bumped by every change to what the points look like
  let last: Drawn = { points: 0, total: 0, opacity: MAX_OPACITY, thinned: false };
  // Frame timing for the budget: the last frame's time and points, if the next was expected.
  const budget = createFrameBudget();
  let lastFrame: { at: number; points: number } | null = null;
  const indexes = createLayerIndexes(() => options.onPickable());

  const onLost = (event: Event): void => {
    event.preventDefault();
    lost = true;
  };
  canvas.addEventListener("webglcontextlost", onLost);

  /** View units to clip space: x_clip = (x * zoom + offset) * fit. */
  const fit = (): [number, number] => {
    const w = Math.max(1, canvas.width);
    const h = Math.max(1, canvas.height);
    const side = Math.min(w, h) * MARGIN;
    return [side / w, side / h];
  };
  const sizePx = (): number => basePointSize(count) * style.scale * Math.min(2.5, Math.sqrt(zoomLevel));
  /** Half the canvas in view units (where the unit square fills MARGIN of the shorter side). */
  const room = (): [number, number] => {
    const [fx, fy] = fit();
    return [1 / fx, 1 / fy];
  };
  /** The fit of a slot (a snapshot holds positions already fitted). */
  const fitOf = (slot: number): Fit => {
    const extent = extents[slot];
    return fitted_ && slot < layers && extent ? fitExtent(extent, room()) : IDENTITY;
  };
  const edges = (): Edges => canvasEdges(room());
  const opacity = (): number =>
    style.opacity ??
    autoOpacity({
      points: visiblePoints,
      size: sizePx(),
      area: canvas.clientWidth * canvas.clientHeight,
      zoom: zoomLevel,
    });
  const visible = (i: number): boolean => (entryRgba[(slots[i] ?? 0) * 4 + 3] ?? 0) !== 0;

  /** The current mapping of view units to client pixels (measures the canvas once). */
  const transform = (): ViewTransform => {
    const [fitX, fitY] = fit();
    const box = canvas.getBoundingClientRect();
    return { left: box.left, top: box.top, width: box.width, height: box.height, fitX, fitY, zoom: zoomLevel, offset };
  };
  const restingLayer = (blend: Blend): number | null => {
    const slot = blend.t === 0 ? blend.from : blend.t === 1 ? blend.to : null;
    return slot !== null && slot < layers ? slot : null;
  };

  const bindBlend = (blend: Blend): void => {
    gl.bindBuffer(gl.ARRAY_BUFFER, buffers[blend.from] ?? null);
    gl.vertexAttribPointer(ATTRIBUTES.from, 2, gl.FLOAT, false, 0, 0);
    gl.bindBuffer(gl.ARRAY_BUFFER, buffers[blend.to] ?? null);
    gl.vertexAttribPointer(ATTRIBUTES.to, 2, gl.FLOAT, false, 0, 0);
  };
  const setFit = (at: Record<string, WebGLUniformLocation | null>, blend: Blend): void => {
    gl.uniform1f(at.u_t ?? null, blend.t);
    for (const [name, f] of [
      ["u_fit_from", fitOf(blend.from)],
      ["u_fit_to", fitOf(blend.to)],
    ] as const)
      gl.uniform4f(at[name] ?? null, f.cx, f.cy, f.scale, f.squash ? 1 : 0);
    const e = edges();
    gl.uniform2f(at.u_knee ?? null, ...e.knee);
    gl.uniform2f(at.u_limit ?? null, ...e.limit);
  };
  const ready = (blend: Blend): boolean => Boolean(buffers[blend.from] && buffers[blend.to]);

  const ensurePictures = (): void => {
    if (pictureSize[0] === canvas.width && pictureSize[1] === canvas.height) return;
    for (const picture of [sample, full]) {
      gl.bindTexture(gl.TEXTURE_2D, picture.texture);
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, canvas.width, canvas.height, 0, gl.RGBA, gl.UNSIGNED_BYTE, null);
      gl.bindFramebuffer(gl.FRAMEBUFFER, picture.framebuffer);
      gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, picture.texture, 0);
      picture.scene = "";
    }
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    pictureSize = [canvas.width, canvas.height];
  };
  /** Start `picture` anew for `scene`: cleared to the background. */
  const restart = (picture: Picture, scene: string): void => {
    picture.scene = scene;
    picture.drawn = 0;
    gl.bindFramebuffer(gl.FRAMEBUFFER, picture.framebuffer);
    gl.viewport(0, 0, canvas.width, canvas.height);
    gl.clearColor(1, 1, 1, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
  };
  /** Draw `picture`'s points up to `end` (the blend's attributes and uniforms are set). */
  const paint = (picture: Picture, end: number, pointOpacity: number): number => {
    const from = picture.drawn;
    if (end <= from) return 0;
    gl.bindFramebuffer(gl.FRAMEBUFFER, picture.framebuffer);
    gl.viewport(0, 0, canvas.width, canvas.height);
    gl.uniform1f(u.u_size ?? null, sizePx() * (window.devicePixelRatio || 1));
    gl.uniform1f(u.u_ring ?? null, 0);
    gl.uniform1f(u.u_opacity ?? null, pointOpacity);
    gl.drawArrays(gl.POINTS, from, end - from);
    picture.drawn = end;
    return end - from;
  };

  const drawRing = (index: number | null, extra: number, ring: number, color: [number, number, number]): void => {
    if (index === null || index < 0 || index >= count) return;
    const dpr = window.devicePixelRatio || 1;
    gl.uniform1f(u.u_size ?? null, (sizePx() + extra) * dpr);
    gl.uniform1f(u.u_ring ?? null, ring);
    gl.uniform1f(u.u_opacity ?? null, 1);
    gl.uniform4f(u.u_ring_color ?? null, color[0], color[1], color[2], 1);
    gl.drawArrays(gl.POINTS, index, 1);
  };

  const setEntryColors = (entries: Uint8Array): void => {
    entryRgba = entries;
    const n = entries.length / 4;
    const rows = Math.max(1, Math.ceil(n / PALETTE_WIDTH));
    const texels = new Uint8Array(PALETTE_WIDTH * rows * 4);
    texels.set(entries);
    gl.bindTexture(gl.TEXTURE_2D, palette);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, PALETTE_WIDTH, rows, 0, gl.RGBA, gl.UNSIGNED_BYTE, texels);
    visiblePoints = 0;
    for (let slot = 0; slot < n; slot++) if (entries[slot * 4 + 3]) visiblePoints += slotCounts[slot] ?? 0;
    version++;
  };

  const dropData = (): void => {
    for (const buffer of buffers) gl.deleteBuffer(buffer);
    buffers = [];
    coords = [];
    extents = [];
    indexes.clear();
  };

  return {
    element: canvas,
    setData(l, n) {
      dropData();
      layers = l;
      count = n;
      buffers = new Array<WebGLBuffer | null>(l + 2).fill(null);
      for (const slot of [l, l + 1]) {
        const buffer = gl.createBuffer();
        gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
        gl.bufferData(gl.ARRAY_BUFFER, n * 8, gl.DYNAMIC_COPY);
        buffers[slot] = buffer;
      }
      highlights = { hover: null, current: null };
      zoomLevel = 1;
      offset = [0, 0];
      drawnBlend = null;
      lastFrame = null;
      version++;
    },
    setLayer(layer, values) {
      if (layer < 0 || layer >= layers || values.length !== count * 2) throw new Error(`Layer ${layer} does not fit.`);
      const buffer = buffers[layer] ?? gl.createBuffer();
      gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
      gl.bufferData(gl.ARRAY_BUFFER, values, gl.STATIC_DRAW);
      buffers[layer] = buffer;
      coords[layer] = values;
      extents[layer] = layerExtent(values);
      version++;
    },
    hasLayer: (layer) => Boolean(coords[layer]),
    setFitted(value) {
      fitted_ = value;
      version++;
    },
    setColors(values, entries) {
      slots = values;
      gl.bindBuffer(gl.ARRAY_BUFFER, slotBuffer);
      gl.bufferData(gl.ARRAY_BUFFER, values, gl.STATIC_DRAW);
      slotCounts = new Float64Array(entries.length / 4);
      for (const slot of values) slotCounts[slot] = (slotCounts[slot] ?? 0) + 1;
      setEntryColors(entries);
    },
    setEntryColors,
    setHighlights(next) {
      highlights = next;
    },
    setStyle(next) {
      style = next;
      version++;
    },
    snapshot(blend) {
      const slot = blend.from === layers || blend.to === layers ? layers + 1 : layers;
      if (lost || !ready(blend)) return blend.from;
      gl.useProgram(snapshotProgram);
      gl.bindVertexArray(vao);
      bindBlend(blend);
      setFit(us, blend);
      gl.bindTransformFeedback(gl.TRANSFORM_FEEDBACK, feedback);
      gl.bindBufferBase(gl.TRANSFORM_FEEDBACK_BUFFER, 0, buffers[slot] ?? null);
      gl.enable(gl.RASTERIZER_DISCARD);
      gl.beginTransformFeedback(gl.POINTS);
      gl.drawArrays(gl.POINTS, 0, count);
      gl.endTransformFeedback();
      gl.disable(gl.RASTERIZER_DISCARD);
      gl.bindBufferBase(gl.TRANSFORM_FEEDBACK_BUFFER, 0, null);
      gl.bindTransformFeedback(gl.TRANSFORM_FEEDBACK, null);
      gl.bindVertexArray(null);
      extents[slot] = undefined;
      return slot;
    },
    render(blend, moving) {
      const now = performance.now();
      if (lastFrame) budget.observe(now - lastFrame.at, lastFrame.points);
      lastFrame = null;
      if (lost) return false;
      drawnBlend = blend;
      ensurePictures();
      const [fx, fy] = fit();
      const shown = count > 0 && slots.length === count && ready(blend);
      const restOpacity = opacity();
      const limit = style.thin ? budget.points(count) : count;
      const view = [version, blend.from, blend.to, blend.t, canvas.width, canvas.height, zoomLevel, ...offset].join();
      gl.useProgram(program);
      gl.bindVertexArray(vao);
      gl.activeTexture(gl.TEXTURE0);
      gl.bindTexture(gl.TEXTURE_2D, palette);
      gl.uniform1i(u.u_palette ?? null, 0);
      gl.enable(gl.BLEND);
      gl.blendFuncSeparate(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA, gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
      if (shown) {
        bindBlend(blend);
        setFit(u, blend);
        gl.uniform2f(u.u_scale ?? null, fx * zoomLevel, fy * zoomLevel);
        gl.uniform2f(u.u_offset ?? null, offset[0] / zoomLevel, offset[1] / zoomLevel);
      }
      let drew = 0;
      let picture = full;
      const fullScene = `${view}|${restOpacity}`;
      if (!shown) {
        if (full.scene !== "empty") restart(full, "empty");
      } else if (limit >= count) {
        // Every point in one frame.
        if (full.scene !== fullScene) restart(full, fullScene);
        drew += paint(full, count, restOpacity);
      } else if (moving || full.scene !== fullScene || full.drawn < count) {
        // A sample now; at rest, the full picture fills in behind it.
        const sampleScene = fullScene; // drawn once per scene, at the budget of the time
        if (sample.scene !== sampleScene) {
          restart(sample, sampleScene);
          drew += paint(sample, limit, sampleOpacity(restOpacity, limit / count));
        }
        picture = sample;
        if (!moving) {
          if (full.scene !== fullScene) restart(full, fullScene);
          drew += paint(full, Math.min(count, full.drawn + limit), restOpacity);
          if (full.drawn >= count) picture = full;
        }
      }
      // The picture onto the canvas, then the highlights on top.
      gl.bindFramebuffer(gl.FRAMEBUFFER, null);
      gl.viewport(0, 0, canvas.width, canvas.height);
      gl.disable(gl.BLEND);
      gl.useProgram(pictureProgram);
      gl.bindVertexArray(pictureVao);
      gl.bindTexture(gl.TEXTURE_2D, picture.texture);
      gl.uniform1i(uPicture, 0);
      gl.drawArrays(gl.TRIANGLES, 0, 3);
      gl.enable(gl.BLEND);
      gl.useProgram(program);
      gl.bindVertexArray(vao);
      gl.bindTexture(gl.TEXTURE_2D, palette);
      if (shown) {
        // Outlines of a fixed width in pixels (u_ring is a fraction of the radius).
        const ring = (extra: number, px: number): number => Math.min(0.5, (2 * px) / (sizePx() + extra));
        for (const i of highlights.originals ?? []) drawRing(i, 4, ring(4, 1.8), TRAY_RING);
        // A current tray point keeps its outline inside the current ring.
        const currentTray = highlights.current !== null && (highlights.tray ?? []).includes(highlights.current);
        drawRing(highlights.current, currentTray ? 15 : 8, currentTray ? ring(15, 2.6) : 0.3, [0.11, 0.13, 0.16]);
        for (const i of highlights.tray ?? []) drawRing(i, 7, ring(7, 2.6), TRAY_RING);
        if (highlights.hover !== highlights.current) drawRing(highlights.hover, 6, 0.22, [0.84, 0.37, 0]);
      }
      gl.bindVertexArray(null);
      const more = shown && !moving && picture === sample;
      last = { points: shown ? picture.drawn : 0, total: count, opacity: restOpacity, thinned: picture === sample };
      // The next frame's interval measures this one's drawing, if it follows at once.
      if (drew > 0 && (moving || more)) lastFrame = { at: now, points: drew };
      return more;
    },
    lastDrawn: () => last,
    pick(clientX, clientY) {
      if (!count || !drawnBlend) return null;
      const layer = restingLayer(drawnBlend);
      const values = layer === null ? undefined : coords[layer];
      if (layer === null || !values) return null;
      const index = indexes.get(layer, values);
      if (!index) return null;
      const radius = Math.max(6, sizePx() / 2 + 3);
      const query = layerQuery(transform(), fitOf(layer), edges(), clientX, clientY, radius);
      return pickNearest(index, values, { ...query, visible });
    },
    clientPosition(index, blend) {
      const layer = restingLayer(blend);
      const values = layer === null ? undefined : coords[layer];
      if (layer === null || !values || index < 0 || index >= count) return null;
      const x = values[index * 2] ?? 0;
      const y = values[index * 2 + 1] ?? 0;
      if (!isPlaced(x, y)) return null;
      const f = fitOf(layer);
      const e = edges();
      const [sx, sy] = toClient(transform(), fitted(x, f, e, 0), fitted(y, f, e, 1));
      return { x: sx, y: sy };
    },
    zoom(factor, clientX, clientY) {
      const box = canvas.getBoundingClientRect();
      const [fx, fy] = fit();
      const cx = (((clientX - box.left) / box.width) * 2 - 1) / fx;
      const cy = (1 - ((clientY - box.top) / box.height) * 2) / fy;
      const next = Math.min(40, Math.max(0.5, zoomLevel * factor));
      const k = next / zoomLevel;
      // Keep the data point under the cursor in place: c = p * zoom + offset.
      offset = [cx - (cx - offset[0]) * k, cy - (cy - offset[1]) * k];
      zoomLevel = next;
    },
    pan(dx, dy) {
      const box = canvas.getBoundingClientRect();
      const [fx, fy] = fit();
      offset = [offset[0] + ((dx / box.width) * 2) / fx, offset[1] - ((dy / box.height) * 2) / fy];
    },
    resetView() {
      zoomLevel = 1;
      offset = [0, 0];
    },
    resize() {
      const dpr = window.devicePixelRatio || 1;
      const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
      const h = Math.max(1, Math.round(canvas.clientHeight * dpr));
      if (w === canvas.width && h === canvas.height) return false;
      canvas.width = w;
      canvas.height = h;
      return true;
    },
    pointSize: sizePx,
    destroy() {
      canvas.removeEventListener("webglcontextlost", onLost);
      dropData();
      indexes.destroy();
      gl.deleteBuffer(slotBuffer);
      gl.deleteTexture(palette);
      for (const picture of [sample, full]) {
        gl.deleteTexture(picture.texture);
        gl.deleteFramebuffer(picture.framebuffer);
      }
      gl.deleteTransformFeedback(feedback);
      gl.deleteVertexArray(vao);
      gl.deleteProgram(program);
      gl.deleteProgram(snapshotProgram);
      gl.deleteProgram(pictureProgram);
      gl.deleteVertexArray(pictureVao);
      count = 0;
    },
  };
}

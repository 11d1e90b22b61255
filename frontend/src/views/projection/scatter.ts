// The projection scatter: a small WebGL2 point renderer that blends two layouts on the GPU.
// Written by hand rather than with regl-scatterplot because the animation needs one thing that
// library does not expose: every layer's positions resident on the GPU at once, and any two of
// them mixed by a uniform t per frame (scrubbing, interrupting a transition half way), with
// nothing re-uploaded while it plays. Each layer's fit to the canvas (fit.ts), zoom and pan are
// uniforms too; picking is done on the CPU with the same arithmetic (picking.ts).
import { canvasEdges, fitExtent, IDENTITY, layerExtents, squash, type Edges, type Fit } from "./fit";
import {
  buildIndex,
  pickNearest,
  pixelsPerUnit,
  toClient,
  toView,
  type PointIndex,
  type ViewTransform,
} from "./picking";
import { SHADERS } from "./shaders";

export interface Blend {
  /** Slots (layers, or the snapshot slot) mixed as mix(from, to, t). */
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

export interface Scatter {
  readonly element: HTMLCanvasElement;
  /** All layers' coordinates `(L, N, 2)`; keeps one spare slot (L) for snapshots. */
  setData(coords: Float32Array, layers: number, count: number): void;
  /** Fit each layer's central 96% to the canvas (true), or show the layouts as they come. */
  setFitted(fitted: boolean): void;
  /** Per-point RGBA (N × 4 bytes); alpha 0 hides a point. */
  setColors(rgba: Uint8Array): void;
  setHighlights(highlights: Highlights): void;
  /** Write the positions shown by `blend` into the snapshot slot; returns that slot. */
  snapshot(blend: Blend): number;
  render(blend: Blend): void;
  /** The visible point drawn nearest to a client position (within a few pixels), or null:
   * picked among the positions of the last frame drawn, which is what the pointer is over. */
  pick(clientX: number, clientY: number): number | null;
  /** Where point `index` is drawn, in client pixels. */
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

function link(gl: WebGL2RenderingContext): WebGLProgram {
  const program = gl.createProgram();
  if (!program) throw new Error("WebGL: cannot create a program");
  gl.attachShader(program, compile(gl, gl.VERTEX_SHADER, SHADERS.vertex));
  gl.attachShader(program, compile(gl, gl.FRAGMENT_SHADER, SHADERS.fragment));
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS))
    throw new Error(`WebGL program: ${gl.getProgramInfoLog(program) ?? "?"}`);
  return program;
}

/** Point diameter in CSS pixels for `count` points: large for a handful, small for thousands. */
export function basePointSize(count: number): number {
  return Math.min(13, Math.max(3.5, 15 - 2.7 * Math.log10(Math.max(1, count))));
}

export function createScatter(): Scatter {
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
  const program = link(gl);
  const loc = {
    from: gl.getAttribLocation(program, "a_from"),
    to: gl.getAttribLocation(program, "a_to"),
    color: gl.getAttribLocation(program, "a_color"),
  };
  const uniform = (name: string): WebGLUniformLocation | null => gl.getUniformLocation(program, name);
  const u = {
    t: uniform("u_t"),
    scale: uniform("u_scale"),
    offset: uniform("u_offset"),
    size: uniform("u_size"),
    ring: uniform("u_ring"),
    ringColor: uniform("u_ring_color"),
    opacity: uniform("u_opacity"),
    fitFrom: uniform("u_fit_from"),
    fitTo: uniform("u_fit_to"),
    knee: uniform("u_knee"),
    limit: uniform("u_limit"),
  };
  const vao = gl.createVertexArray();
  const positions = gl.createBuffer();
  const colors = gl.createBuffer();
  gl.bindVertexArray(vao);
  gl.bindBuffer(gl.ARRAY_BUFFER, colors);
  gl.enableVertexAttribArray(loc.color);
  gl.vertexAttribPointer(loc.color, 4, gl.UNSIGNED_BYTE, true, 0, 0);
  gl.enableVertexAttribArray(loc.from);
  gl.enableVertexAttribArray(loc.to);
  gl.bindVertexArray(null);

  let coords = new Float32Array(0);
  let extents: ArrayLike<number> = new Float32Array(0);
  let fitted = true;
  let layers = 0;
  let count = 0;
  let rgba: Uint8Array = new Uint8Array(0);
  let highlights: Highlights = { hover: null, current: null };
  let zoomLevel = 1;
  let offset: [number, number] = [0, 0]; // pan, in data units
  let lost = false;
  let drawn: Blend | null = null; // the blend of the last frame rendered
  // Picking indices: one per slot at rest (a layer, or the snapshot), valid until the data, the
  // fit or the canvas size change; and one of the moving frame, rebuilt once per drawn frame.
  const restIndex = new Map<number, PointIndex>();
  let frameIndex: { blend: Blend; index: PointIndex } | null = null;
  const dropIndices = (): void => {
    restIndex.clear();
    frameIndex = null;
  };
  const onLost = (event: Event): void => {
    event.preventDefault();
    lost = true;
  };
  canvas.addEventListener("webglcontextlost", onLost);

  /** Data units to clip space: x_clip = (x * zoom + offset) * fit. */
  const fit = (): [number, number] => {
    const w = Math.max(1, canvas.width);
    const h = Math.max(1, canvas.height);
    const side = Math.min(w, h) * MARGIN;
    return [side / w, side / h];
  };
  const sizePx = (): number => basePointSize(count) * Math.min(2.5, Math.sqrt(zoomLevel));

  /** Half the canvas in view units (where the unit square fills MARGIN of the shorter side). */
  const room = (): [number, number] => {
    const [fx, fy] = fit();
    return [1 / fx, 1 / fy];
  };
  /** The fit of a slot (the snapshot slot holds positions already fitted). */
  const fitOf = (slot: number): Fit => (fitted && slot < layers ? fitExtent(extents, slot * 4, room()) : IDENTITY);
  interface Frame {
    blend: Blend;
    from: Fit;
    to: Fit;
    edges: Edges;
  }
  const frameOf = (blend: Blend): Frame => ({
    blend,
    from: fitOf(blend.from),
    to: fitOf(blend.to),
    edges: canvasEdges(room()),
  });
  /** Where point i of `slot` is drawn under `fit`, in view units: the shader's arithmetic. */
  const fittedAt = (i: number, slot: number, fit: Fit, edges: Edges): [number, number] => {
    const at = (slot * count + i) * 2;
    const x = ((coords[at] ?? 0) - fit.cx) * fit.scale;
    const y = ((coords[at + 1] ?? 0) - fit.cy) * fit.scale;
    return fit.squash ? [squash(x, edges.knee[0], edges.limit[0]), squash(y, edges.knee[1], edges.limit[1])] : [x, y];
  };
  const position = (i: number, f: Frame): [number, number] => {
    const [ax, ay] = fittedAt(i, f.blend.from, f.from, f.edges);
    const [bx, by] = fittedAt(i, f.blend.to, f.to, f.edges);
    return [ax + (bx - ax) * f.blend.t, ay + (by - ay) * f.blend.t];
  };
  /** The current mapping of view units to client pixels (measures the canvas once). */
  const transform = (): ViewTransform => {
    const [fitX, fitY] = fit();
    const box = canvas.getBoundingClientRect();
    return { left: box.left, top: box.top, width: box.width, height: box.height, fitX, fitY, zoom: zoomLevel, offset };
  };
  /** Every point's position under `blend`, in view units, indexed for picking. */
  const indexOf = (blend: Blend): PointIndex => {
    // At rest (t = 0 or 1) the positions are one slot's: its index outlives the frame.
    const slot = blend.t === 0 ? blend.from : blend.t === 1 ? blend.to : null;
    if (slot === null && frameIndex?.blend === blend) return frameIndex.index;
    const cached = slot === null ? undefined : restIndex.get(slot);
    if (cached) return cached;
    const at = new Float64Array(count * 2);
    const frame = frameOf(blend);
    for (let i = 0; i < count; i++) {
      const [x, y] = slot === null ? position(i, frame) : fittedAt(i, slot, fitOf(slot), frame.edges);
      at[i * 2] = x;
      at[i * 2 + 1] = y;
    }
    const index = buildIndex(at);
    if (slot === null) frameIndex = { blend, index };
    else restIndex.set(slot, index);
    return index;
  };

  const bindBlend = (blend: Blend): void => {
    gl.bindBuffer(gl.ARRAY_BUFFER, positions);
    gl.vertexAttribPointer(loc.from, 2, gl.FLOAT, false, 0, blend.from * count * 8);
    gl.vertexAttribPointer(loc.to, 2, gl.FLOAT, false, 0, blend.to * count * 8);
  };

  const drawRing = (index: number | null, extra: number, ring: number, color: [number, number, number]): void => {
    if (index === null || index < 0 || index >= count || (rgba[index * 4 + 3] ?? 0) === 0) return;
    const dpr = window.devicePixelRatio || 1;
    gl.uniform1f(u.size, (sizePx() + extra) * dpr);
    gl.uniform1f(u.ring, ring);
    gl.uniform1f(u.opacity, 1);
    gl.uniform4f(u.ringColor, color[0], color[1], color[2], 1);
    gl.drawArrays(gl.POINTS, index, 1);
  };

  return {
    element: canvas,
    setData(values, l, n) {
      coords = new Float32Array((l + 1) * n * 2); // + the snapshot slot
      coords.set(values.subarray(0, l * n * 2));
      extents = layerExtents(coords, l, n);
      layers = l;
      count = n;
      gl.bindBuffer(gl.ARRAY_BUFFER, positions);
      gl.bufferData(gl.ARRAY_BUFFER, coords, gl.DYNAMIC_DRAW);
      highlights = { hover: null, current: null };
      zoomLevel = 1;
      offset = [0, 0];
      drawn = null;
      dropIndices();
    },
    setFitted(value) {
      if (value !== fitted) dropIndices();
      fitted = value;
    },
    setColors(values) {
      rgba = values;
      gl.bindBuffer(gl.ARRAY_BUFFER, colors);
      gl.bufferData(gl.ARRAY_BUFFER, values, gl.DYNAMIC_DRAW);
    },
    setHighlights(next) {
      highlights = next;
    },
    snapshot(blend) {
      const slot = layers;
      const shown = new Float32Array(count * 2);
      const frame = frameOf(blend);
      for (let i = 0; i < count; i++) {
        const [x, y] = position(i, frame);
        shown[i * 2] = x;
        shown[i * 2 + 1] = y;
      }
      coords.set(shown, slot * count * 2);
      gl.bindBuffer(gl.ARRAY_BUFFER, positions);
      gl.bufferSubData(gl.ARRAY_BUFFER, slot * count * 8, shown);
      restIndex.delete(slot);
      return slot;
    },
    render(blend) {
      if (lost) return;
      drawn = blend;
      gl.viewport(0, 0, canvas.width, canvas.height);
      gl.clearColor(1, 1, 1, 1);
      gl.clear(gl.COLOR_BUFFER_BIT);
      if (!count || rgba.length < count * 4) return;
      const [fx, fy] = fit();
      const dpr = window.devicePixelRatio || 1;
      gl.useProgram(program);
      gl.bindVertexArray(vao);
      bindBlend(blend);
      gl.enable(gl.BLEND);
      gl.blendFuncSeparate(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA, gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
      gl.uniform1f(u.t, blend.t);
      const frame = frameOf(blend);
      for (const [location, fit] of [
        [u.fitFrom, frame.from],
        [u.fitTo, frame.to],
      ] as const) {
        gl.uniform4f(location, fit.cx, fit.cy, fit.scale, fit.squash ? 1 : 0);
      }
      gl.uniform2f(u.knee, ...frame.edges.knee);
      gl.uniform2f(u.limit, ...frame.edges.limit);
      gl.uniform2f(u.scale, fx * zoomLevel, fy * zoomLevel);
      gl.uniform2f(u.offset, offset[0] / zoomLevel, offset[1] / zoomLevel);
      gl.uniform1f(u.size, sizePx() * dpr);
      gl.uniform1f(u.ring, 0);
      gl.uniform1f(u.opacity, count > 2000 ? 0.75 : 0.92);
      gl.drawArrays(gl.POINTS, 0, count);
      // Outlines of a fixed width in pixels (u_ring is a fraction of the radius).
      const ring = (extra: number, px: number): number => Math.min(0.5, (2 * px) / (sizePx() + extra));
      for (const i of highlights.originals ?? []) drawRing(i, 4, ring(4, 1.8), TRAY_RING);
      // A current tray point keeps its outline inside the current ring.
      const currentTray = highlights.current !== null && (highlights.tray ?? []).includes(highlights.current);
      drawRing(highlights.current, currentTray ? 15 : 8, currentTray ? ring(15, 2.6) : 0.3, [0.11, 0.13, 0.16]);
      for (const i of highlights.tray ?? []) drawRing(i, 7, ring(7, 2.6), TRAY_RING);
      if (highlights.hover !== highlights.current) drawRing(highlights.hover, 6, 0.22, [0.84, 0.37, 0]);
      gl.bindVertexArray(null);
    },
    pick(clientX, clientY) {
      if (!count || !drawn) return null;
      const view = transform();
      const [x, y] = toView(view, clientX, clientY);
      const [scaleX, scaleY] = pixelsPerUnit(view);
      return pickNearest(indexOf(drawn), {
        x,
        y,
        scaleX,
        scaleY,
        radius: Math.max(6, sizePx() / 2 + 3),
        visible: (i) => (rgba[i * 4 + 3] ?? 0) !== 0,
      });
    },
    clientPosition(index, blend) {
      if (index < 0 || index >= count) return null;
      const [x, y] = position(index, frameOf(blend));
      const [sx, sy] = toClient(transform(), x, y);
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
      dropIndices(); // the fit of each layer follows the canvas's shape
      return true;
    },
    pointSize: sizePx,
    destroy() {
      canvas.removeEventListener("webglcontextlost", onLost);
      gl.deleteBuffer(positions);
      gl.deleteBuffer(colors);
      gl.deleteVertexArray(vao);
      gl.deleteProgram(program);
      count = 0;
    },
  };
}

// GLSL for the projection scatter. Each point reads its position in two layouts (two attribute
// pointers, one layer's buffer each), fits each to the canvas with that layer's fit (fit.ts:
// centre, scale, outliers squashed at the edge) and mixes them by u_t on the GPU; its colour is
// its legend entry's (a_slot), looked up in a small palette texture, so hiding an entry touches
// no point. A point unplaced at either end (coords.ts) or hidden is moved outside the clip
// volume: nothing is rasterised for it. The snapshot program writes the mixed positions into a
// buffer (transform feedback) for a transition interrupted half way to start from; the picture
// program copies the offscreen picture of the points onto the canvas.

/** Attribute locations, shared by both programs (one vertex array serves both). */
export const ATTRIBUTES = { from: 0, to: 1, slot: 2 } as const;
/** Palette texture rows are this wide (slot -> texel (slot % W, slot / W)). */
export const PALETTE_WIDTH = 256;

const FIT = `
uniform float u_t;
uniform vec4 u_fit_from; // centre (xy), scale (z) of each end's layer; w: 1 to squash
uniform vec4 u_fit_to;
uniform vec2 u_knee; // past +-u_knee fitted positions approach +-u_limit (fit.ts squash)
uniform vec2 u_limit;
// coords.ts PLACED_LIMIT: an unplaced point's coordinates are beyond it (NaN fails it too).
bool placed(vec2 p) {
  return abs(p.x) < 1e20 && abs(p.y) < 1e20;
}
vec2 squash(vec2 v) {
  vec2 a = abs(v);
  vec2 band = u_limit - u_knee;
  vec2 s = u_knee + band * (1.0 - exp(-max(a - u_knee, 0.0) / band));
  return sign(v) * mix(a, s, step(u_knee, a));
}
vec2 fitted(vec2 p, vec4 fit) {
  vec2 v = (p - fit.xy) * fit.z;
  return fit.w > 0.5 ? squash(v) : v;
}
`;

export const SHADERS = {
  vertex: `#version 300 es
layout(location = ${ATTRIBUTES.from}) in vec2 a_from;
layout(location = ${ATTRIBUTES.to}) in vec2 a_to;
layout(location = ${ATTRIBUTES.slot}) in uint a_slot;
uniform sampler2D u_palette;
uniform vec2 u_scale;
uniform vec2 u_offset;
uniform float u_size;
uniform float u_opacity;
out vec4 v_color;
out float v_size;
${FIT}
void main() {
  int slot = int(a_slot);
  vec4 color = texelFetch(u_palette, ivec2(slot % ${PALETTE_WIDTH}, slot / ${PALETTE_WIDTH}), 0);
  vec2 p = mix(fitted(a_from, u_fit_from), fitted(a_to, u_fit_to), u_t);
  bool shown = color.a > 0.0 && placed(a_from) && placed(a_to);
  gl_Position = shown ? vec4((p + u_offset) * u_scale, 0.0, 1.0) : vec4(2.0, 2.0, 2.0, 1.0);
  gl_PointSize = u_size;
  v_color = vec4(color.rgb, u_opacity);
  v_size = u_size;
}`,
  fragment: `#version 300 es
precision highp float;
in vec4 v_color;
in float v_size;
uniform float u_ring;
uniform vec4 u_ring_color;
out vec4 out_color;
void main() {
  float r = length(gl_PointCoord * 2.0 - 1.0);
  float px = 2.0 / max(v_size, 1.0); // one pixel, in units of the radius
  float alpha = 1.0 - smoothstep(1.0 - px, 1.0, r);
  if (alpha <= 0.0) discard;
  vec3 color = v_color.rgb;
  float opacity = v_color.a;
  if (u_ring > 0.0) {
    // Highlight: a white gap, then a coloured ring, around the point at full opacity.
    float ring = smoothstep(1.0 - u_ring - px, 1.0 - u_ring, r);
    float gap = smoothstep(1.0 - u_ring - 2.5 * px, 1.0 - u_ring - 1.5 * px, r) * (1.0 - ring);
    color = mix(mix(color, vec3(1.0), gap), u_ring_color.rgb, ring);
    opacity = 1.0;
  } else {
    // A darker rim keeps overlapping points apart (only where points are big enough to have
    // an inside: on tiny points it would darken the whole colour).
    float rim = smoothstep(1.0 - 2.0 * px, 1.0 - px, r) * smoothstep(5.0, 8.0, v_size);
    color = mix(color, color * 0.6, rim * 0.8);
  }
  out_color = vec4(color, opacity * alpha);
}`,
  /** Transform feedback: each point's position under the blend, fitted (view units, before
   * zoom and pan), or unplaced (coords.ts UNPLACED) where it is unplaced at either end. */
  snapshotVertex: `#version 300 es
layout(location = ${ATTRIBUTES.from}) in vec2 a_from;
layout(location = ${ATTRIBUTES.to}) in vec2 a_to;
out vec2 v_position;
${FIT}
void main() {
  bool shown = placed(a_from) && placed(a_to);
  v_position = shown ? mix(fitted(a_from, u_fit_from), fitted(a_to, u_fit_to), u_t) : vec2(1e30);
  gl_Position = vec4(0.0, 0.0, 0.0, 1.0);
}`,
  /** The offscreen picture onto the canvas: one triangle over the whole viewport. */
  pictureVertex: `#version 300 es
void main() {
  vec2 corner = vec2(float((gl_VertexID & 1) << 2) - 1.0, float((gl_VertexID & 2) << 1) - 1.0);
  gl_Position = vec4(corner, 0.0, 1.0);
}`,
  pictureFragment: `#version 300 es
precision highp float;
uniform sampler2D u_picture;
out vec4 out_color;
void main() {
  out_color = texelFetch(u_picture, ivec2(gl_FragCoord.xy), 0);
}`,
  snapshotFragment: `#version 300 es
precision highp float;
out vec4 out_color;
void main() {
  out_color = vec4(0.0);
}`,
};

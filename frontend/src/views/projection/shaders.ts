// GLSL for the projection scatter. Each point reads its position in two layouts (two attribute
// pointers into the one buffer that holds every layer), fits each to the canvas with that
// layer's fit (fit.ts: centre, scale, outliers squashed at the edge) and mixes them by u_t on
// the GPU.
export const SHADERS = {
  vertex: `#version 300 es
in vec2 a_from;
in vec2 a_to;
in vec4 a_color;
uniform float u_t;
uniform vec4 u_fit_from; // centre (xy), scale (z) of each end's layer; w: 1 to squash
uniform vec4 u_fit_to;
uniform vec2 u_knee; // past +-u_knee fitted positions approach +-u_limit (fit.ts squash)
uniform vec2 u_limit;
uniform vec2 u_scale;
uniform vec2 u_offset;
uniform float u_size;
uniform float u_opacity;
out vec4 v_color;
out float v_size;
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
void main() {
  vec2 p = mix(fitted(a_from, u_fit_from), fitted(a_to, u_fit_to), u_t);
  // Hidden points (alpha 0) go outside the clip volume: nothing is rasterised for them.
  gl_Position = a_color.a > 0.0 ? vec4((p + u_offset) * u_scale, 0.0, 1.0) : vec4(2.0, 2.0, 2.0, 1.0);
  gl_PointSize = u_size;
  v_color = vec4(a_color.rgb, a_color.a * u_opacity);
  v_size = u_size;
}`,
  fragment: `#version 300 es
precision mediump float;
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
};

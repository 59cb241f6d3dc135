/**
 * Draws a map's points with WebGL2: every point in one draw call from typed-array buffers (positions,
 * colour category, visible/selected flags), the selection and the hovered point in small extra passes
 * on top. Written for the app's Content-Security-Policy (`script-src 'self'`): nothing is compiled
 * from strings at run time, unlike regl, whose draw commands are built with `Function`.
 *
 * Two speeds. A real GPU draws a million points in a millisecond or two, so every frame draws them
 * all. Software WebGL (SwiftShader: no GPU, a GPU on Chromium's block list, a VM) needs about a second
 * for a million, so there the points are drawn into an off-screen image (with a margin around the
 * view) in slices of a few milliseconds each; while the camera moves, that image is shown moved and
 * scaled — one quad, cheap everywhere — and once it rests, a fresh image is drawn slice by slice and
 * swapped in. Every point is always on screen; only its sharpness lags a moving camera. Which speed
 * applies is measured, with fences, not guessed.
 *
 * The camera, picking and lasso live elsewhere (camera.ts, knn.ts, lasso.ts); this class only turns
 * arrays into pixels, on demand (the map asks for a frame when something changed).
 */
import { pixelsPerUnit, pointSizeAt, toMap, type Camera } from './camera';
import { hexToRgb } from './color-scales';

const VERTEX = `#version 300 es
in vec2 aPos;
in float aCat;
in float aFlags;
uniform vec2 uCenter;
uniform vec2 uScale;
uniform float uSize;
uniform float uOutline;
uniform float uPass;
uniform float uDim;
uniform float uOpacity;
uniform sampler2D uPalette;
uniform int uPaletteSize;
out vec4 vColor;
out float vSize;
void main() {
  bool hidden = mod(aFlags, 2.0) >= 1.0;
  bool selected = mod(floor(aFlags / 2.0), 2.0) >= 1.0;
  if (hidden) {
    gl_Position = vec4(2.0, 2.0, 2.0, 1.0);
    gl_PointSize = 0.0;
    vColor = vec4(0.0);
    vSize = 0.0;
    return;
  }
  gl_Position = vec4((aPos - uCenter) * uScale, 0.0, 1.0);
  int cat = clamp(int(aCat + 0.5), 0, uPaletteSize - 1);
  vec4 color = texelFetch(uPalette, ivec2(cat % 256, cat / 256), 0);
  float size = uSize;
  float alpha = uOpacity;
  if (uPass < 0.5) {
    if (uDim > 0.5 && !selected) alpha *= 0.3;
  } else if (uPass < 1.5) {
    color = vec4(1.0);
    size = uSize + 2.0 * uOutline;
    alpha = 1.0;
  } else if (uPass < 2.5) {
    alpha = 1.0;
  } else {
    color = vec4(1.0);
    size = uSize + 3.0 * uOutline;
    alpha = 1.0;
  }
  vColor = vec4(color.rgb, alpha);
  vSize = size;
  gl_PointSize = size;
}`;

const FRAGMENT = `#version 300 es
precision mediump float;
in vec4 vColor;
in float vSize;
out vec4 outColor;
void main() {
  float a = 1.0;
  if (vSize >= 3.0) {
    vec2 c = gl_PointCoord * 2.0 - 1.0;
    float r = length(c);
    float edge = 2.0 / vSize;
    a = 1.0 - smoothstep(1.0 - edge, 1.0, r);
    if (a <= 0.0) discard;
  }
  outColor = vec4(vColor.rgb, vColor.a * a);
}`;

/** Shows the off-screen image of the points, placed where the current camera puts it. */
const QUAD_VERTEX = `#version 300 es
in vec2 aCorner;
uniform vec4 uRect;
out vec2 vUv;
void main() {
  vUv = aCorner;
  gl_Position = vec4(mix(uRect.xy, uRect.zw, aCorner), 0.0, 1.0);
}`;

const QUAD_FRAGMENT = `#version 300 es
precision mediump float;
in vec2 vUv;
uniform sampler2D uImage;
out vec4 outColor;
void main() {
  outColor = texture(uImage, vUv);
}`;

/** Share of the view's size drawn beyond each edge of the off-screen image, so a pan shows points. */
const CACHE_MARGIN = 0.3;
/** GPU time one slice may take on a slow device (milliseconds). */
const SLICE_MS = 12;
/** A full draw that finishes within this many milliseconds means the GPU is fast: draw every frame. */
const FAST_FRAME_MS = 40;
/** The camera is "moving" until it has been still this long (milliseconds). */
const SETTLE_MS = 120;

const PASS_BASE = 0;
const PASS_OUTLINE = 1;
const PASS_FILL = 2;
const PASS_HOVER = 3;

const FLAG_HIDDEN = 1;
const FLAG_SELECTED = 2;

export interface PointStyleOptions {
  /** CSS pixels at zoom 1. */
  size: number;
  opacity: number;
}

export class PointRenderer {
  readonly #canvas: HTMLCanvasElement;
  readonly #gl: WebGL2RenderingContext;
  readonly #program: WebGLProgram;
  readonly #vao: WebGLVertexArrayObject;
  readonly #pos: WebGLBuffer;
  readonly #cat: WebGLBuffer;
  readonly #flags: WebGLBuffer;
  readonly #selectedIndex: WebGLBuffer;
  readonly #palette: WebGLTexture;
  readonly #u: Record<string, WebGLUniformLocation | null>;
  #count = 0;
  #flagsData = new Uint8Array(0);
  #selectedCount = 0;
  #paletteSize = 1;
  #hover: number | null = null;
  #style: PointStyleOptions = { size: 5, opacity: 0.9 };
  #width = 1;
  #height = 1;
  #dpr = 1;
  #background: [number, number, number] = [0, 0, 0];
  /** Bumped by every change that alters the picture (not the camera). */
  #version = 0;
  readonly #quad: { program: WebGLProgram; vao: WebGLVertexArrayObject; rect: WebGLUniformLocation | null; image: WebGLUniformLocation | null };
  /** The last complete off-screen image, and the one being drawn. */
  #front: Cache | null = null;
  #back: Cache | null = null;
  #job: Job | null = null;
  /** Points (or point draws) a slice may hold; Infinity until a slow draw is measured. */
  #budget = Infinity;
  #fence: { sync: WebGLSync; work: number; issued: number } | null = null;
  #lastCamera: Camera | null = null;
  #cameraChanged = 0;
  /** The work and view size of the last timed full draw. */
  #measuredKey = '';

  /** Throws when WebGL2 is not available. */
  constructor(canvas: HTMLCanvasElement, background: string) {
    this.#canvas = canvas;
    const gl = canvas.getContext('webgl2', { alpha: false, antialias: false, depth: false, stencil: false, premultipliedAlpha: false, powerPreference: 'high-performance' });
    if (!gl) throw new Error('WebGL 2 is not available here, so the map cannot be drawn.');
    this.#gl = gl;
    this.#background = hexToRgb(background).map((v) => v / 255) as [number, number, number];
    this.#program = link(gl, VERTEX, FRAGMENT);
    const vao = gl.createVertexArray();
    if (!vao) throw new Error('Could not create a WebGL vertex array');
    this.#vao = vao;
    this.#pos = buffer(gl);
    this.#cat = buffer(gl);
    this.#flags = buffer(gl);
    this.#selectedIndex = buffer(gl);
    const texture = gl.createTexture();
    if (!texture) throw new Error('Could not create a WebGL texture');
    this.#palette = texture;
    gl.bindTexture(gl.TEXTURE_2D, texture);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    this.#u = Object.fromEntries(
      ['uCenter', 'uScale', 'uSize', 'uOutline', 'uPass', 'uDim', 'uOpacity', 'uPalette', 'uPaletteSize'].map((n) => [n, gl.getUniformLocation(this.#program, n)]),
    );
    gl.bindVertexArray(vao);
    this.#attribute('aPos', this.#pos, 2, gl.FLOAT);
    this.#attribute('aCat', this.#cat, 1, gl.UNSIGNED_SHORT);
    this.#attribute('aFlags', this.#flags, 1, gl.UNSIGNED_BYTE);
    gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, this.#selectedIndex);
    gl.bindVertexArray(null);
    this.#quad = makeQuad(gl);
    this.setPalette(['#8a93a0']);
  }

  get count(): number {
    return this.#count;
  }

  /** True when the WebGL context was lost (the GPU was reset); the map must be made again. */
  get lost(): boolean {
    return this.#gl.isContextLost();
  }

  /** New points: positions in map coordinates; categories, flags and selection are reset. */
  setPoints(x: Float32Array, y: Float32Array): void {
    const gl = this.#gl;
    const n = x.length;
    const xy = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      xy[2 * i] = x[i]!;
      xy[2 * i + 1] = y[i]!;
    }
    this.#count = n;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#pos);
    gl.bufferData(gl.ARRAY_BUFFER, xy, gl.STATIC_DRAW);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#cat);
    gl.bufferData(gl.ARRAY_BUFFER, new Uint16Array(n), gl.DYNAMIC_DRAW);
    this.#flagsData = new Uint8Array(n);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#flags);
    gl.bufferData(gl.ARRAY_BUFFER, this.#flagsData, gl.DYNAMIC_DRAW);
    this.#selectedCount = 0;
    this.#hover = null;
    this.#version++;
  }

  /** The colour category of each point (indices into `palette`). */
  setCategories(categories: Int32Array, palette: readonly string[]): void {
    const gl = this.#gl;
    const n = Math.min(this.#count, categories.length);
    const max = Math.max(0, palette.length - 1);
    const data = new Uint16Array(this.#count);
    for (let i = 0; i < n; i++) {
      const c = categories[i]!;
      data[i] = c < 0 ? max : Math.min(c, max, 65535);
    }
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#cat);
    gl.bufferSubData(gl.ARRAY_BUFFER, 0, data);
    this.setPalette(palette);
  }

  setPalette(palette: readonly string[]): void {
    const gl = this.#gl;
    const size = Math.max(1, palette.length);
    const rows = Math.ceil(size / 256);
    const data = new Uint8Array(256 * rows * 4);
    palette.forEach((hex, i) => {
      const [r, g, b] = hexToRgb(hex);
      data.set([r, g, b, 255], i * 4);
    });
    gl.bindTexture(gl.TEXTURE_2D, this.#palette);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, 256, rows, 0, gl.RGBA, gl.UNSIGNED_BYTE, data);
    this.#paletteSize = size;
    this.#version++;
  }

  /** Shows only these points (ascending indices), or every point for null. */
  setVisible(visible: readonly number[] | null): void {
    const f = this.#flagsData;
    if (visible === null) {
      for (let i = 0; i < f.length; i++) f[i] = f[i]! & ~FLAG_HIDDEN;
    } else {
      for (let i = 0; i < f.length; i++) f[i] = f[i]! | FLAG_HIDDEN;
      for (const i of visible) if (i >= 0 && i < f.length) f[i] = f[i]! & ~FLAG_HIDDEN;
    }
    this.#uploadFlags();
  }

  isVisible(index: number): boolean {
    return index >= 0 && index < this.#count && (this.#flagsData[index]! & FLAG_HIDDEN) === 0;
  }

  setSelected(selected: ArrayLike<number>): void {
    const gl = this.#gl;
    const f = this.#flagsData;
    for (let i = 0; i < f.length; i++) f[i] = f[i]! & ~FLAG_SELECTED;
    const indices = new Uint32Array(selected.length);
    let n = 0;
    for (let s = 0; s < selected.length; s++) {
      const i = selected[s]!;
      if (i < 0 || i >= f.length) continue;
      f[i] = f[i]! | FLAG_SELECTED;
      indices[n++] = i;
    }
    this.#selectedCount = n;
    gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, this.#selectedIndex);
    gl.bufferData(gl.ELEMENT_ARRAY_BUFFER, indices.subarray(0, n), gl.DYNAMIC_DRAW);
    this.#uploadFlags();
  }

  /** The point drawn highlighted on top (under the pointer, or the same item in the other map). */
  setHover(index: number | null): void {
    this.#hover = index !== null && index >= 0 && index < this.#count ? index : null;
  }

  setStyle(style: PointStyleOptions): void {
    this.#style = style;
    this.#version++;
  }

  /** Size of the map in CSS pixels, and the device pixel ratio. */
  resize(width: number, height: number, dpr: number): void {
    this.#width = Math.max(1, width);
    this.#height = Math.max(1, height);
    this.#dpr = Math.max(1, dpr);
    const w = Math.round(this.#width * this.#dpr);
    const h = Math.round(this.#height * this.#dpr);
    if (this.#canvas.width !== w) this.#canvas.width = w;
    if (this.#canvas.height !== h) this.#canvas.height = h;
    this.#version++;
  }

  /** Point size in CSS pixels at this camera's zoom. */
  pointSize(camera: Camera): number {
    return pointSizeAt(this.#style.size, camera.zoom);
  }

  /** True once a full draw was measured as slow: frames show the off-screen image. */
  get progressive(): boolean {
    return this.#budget < this.#work();
  }

  /**
   * Draws a frame for this camera. Returns true when more frames are needed without any change
   * (a slow device is still drawing its off-screen image, or a measurement is pending).
   */
  render(camera: Camera, now = performance.now()): boolean {
    const gl = this.#gl;
    if (gl.isContextLost()) return false;
    this.#measure(now);
    if (!this.#lastCamera || !sameCamera(this.#lastCamera, camera)) this.#cameraChanged = now;
    this.#lastCamera = camera;
    const work = this.#work();
    if (work === 0 || this.#budget >= work) {
      this.#bindScreen();
      this.#drawPoints(camera, this.#width, this.#height, 0, Infinity);
      this.#drawHover(camera);
      // Timed once per amount of work and size of view, not every frame: a pending timing keeps
      // frames coming until it is read.
      const key = `${work}:${this.#canvas.width}x${this.#canvas.height}`;
      if (key !== this.#measuredKey && this.#startMeasure(work, now)) this.#measuredKey = key;
      return this.#fence !== null;
    }
    const moving = now - this.#cameraChanged < SETTLE_MS;
    const front = this.#front;
    const current = front !== null && front.version === this.#version;
    if (current && sameCamera(front.camera, camera)) {
      this.#showCache(front, camera);
      return this.#fence !== null;
    }
    if (!(moving && current)) this.#advanceJob(camera, now);
    const shown = this.#front ?? this.#back;
    if (shown) this.#showCache(shown, camera);
    return this.#job !== null || moving || this.#fence !== null;
  }

  /** Point draws of one full picture: every point, plus the selection's two passes. */
  #work(): number {
    return this.#count + 2 * this.#selectedCount;
  }

  /** Draws the next slice of the off-screen image (starting a new one when the picture changed). */
  #advanceJob(camera: Camera, now: number): void {
    const gl = this.#gl;
    let job = this.#job;
    if (!job || job.version !== this.#version || !sameCamera(job.camera, camera)) {
      this.#back = this.#cacheTarget(this.#back);
      job = { camera, version: this.#version, done: 0 };
      this.#job = job;
      gl.bindFramebuffer(gl.FRAMEBUFFER, this.#back.framebuffer);
      gl.viewport(0, 0, this.#back.width, this.#back.height);
      const [r, g, b] = this.#background;
      gl.clearColor(r, g, b, 1);
      gl.clear(gl.COLOR_BUFFER_BIT);
    }
    const back = this.#back!;
    if (this.#fence) return; // the previous slice is still being drawn: do not queue more
    gl.bindFramebuffer(gl.FRAMEBUFFER, back.framebuffer);
    gl.viewport(0, 0, back.width, back.height);
    const budget = Math.max(1, Math.floor(this.#budget));
    const drawn = this.#drawPoints(job.camera, back.cssWidth, back.cssHeight, job.done, budget);
    job.done += drawn;
    this.#startMeasure(drawn, now);
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    if (job.done >= this.#work()) {
      back.camera = job.camera;
      back.version = job.version;
      this.#back = this.#front;
      this.#front = back;
      this.#job = null;
    }
  }

  /** An off-screen target the size of the view plus its margins (reused when the size still fits). */
  #cacheTarget(previous: Cache | null): Cache {
    const gl = this.#gl;
    const cssWidth = this.#width * (1 + 2 * CACHE_MARGIN);
    const cssHeight = this.#height * (1 + 2 * CACHE_MARGIN);
    const width = Math.round(cssWidth * this.#dpr);
    const height = Math.round(cssHeight * this.#dpr);
    if (previous && previous.width === width && previous.height === height) return previous;
    if (previous) {
      gl.deleteFramebuffer(previous.framebuffer);
      gl.deleteTexture(previous.texture);
    }
    const texture = gl.createTexture();
    const framebuffer = gl.createFramebuffer();
    if (!texture || !framebuffer) throw new Error('Could not create an off-screen image');
    gl.bindTexture(gl.TEXTURE_2D, texture);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, width, height, 0, gl.RGBA, gl.UNSIGNED_BYTE, null);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    gl.bindFramebuffer(gl.FRAMEBUFFER, framebuffer);
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, texture, 0);
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    return { texture, framebuffer, width, height, cssWidth, cssHeight, camera: { x: 0, y: 0, zoom: 1 }, version: -1 };
  }

  /** Shows an off-screen image where the camera puts the part of the map it holds. */
  #showCache(cache: Cache, camera: Camera): void {
    const gl = this.#gl;
    this.#bindScreen();
    const view = { width: this.#width, height: this.#height };
    // The map rectangle the image covers (its camera saw the view and the margins around it).
    const cacheView = { width: cache.cssWidth, height: cache.cssHeight };
    const zoomOfCache = (cache.camera.zoom * Math.min(this.#width, this.#height)) / Math.min(cache.cssWidth, cache.cssHeight);
    const cacheCamera = { ...cache.camera, zoom: zoomOfCache };
    const low = toMap(cacheCamera, cacheView, 0, cache.cssHeight);
    const high = toMap(cacheCamera, cacheView, cache.cssWidth, 0);
    const k = pixelsPerUnit(camera, view);
    const clip = (mx: number, my: number): [number, number] => [((mx - camera.x) * k * 2) / view.width, ((my - camera.y) * k * 2) / view.height];
    const [x0, y0] = clip(low.x, low.y);
    const [x1, y1] = clip(high.x, high.y);
    gl.disable(gl.BLEND);
    gl.useProgram(this.#quad.program);
    gl.bindVertexArray(this.#quad.vao);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, cache.texture);
    gl.uniform1i(this.#quad.image, 0);
    gl.uniform4f(this.#quad.rect, x0, y0, x1, y1);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
    gl.bindVertexArray(null);
    this.#drawHover(camera);
  }

  #bindScreen(): void {
    const gl = this.#gl;
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    gl.viewport(0, 0, this.#canvas.width, this.#canvas.height);
    const [r, g, b] = this.#background;
    gl.clearColor(r, g, b, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
  }

  /**
   * Draws point draws [from, from + limit) of the full picture (the base pass over every point, then
   * the selection's outline and fill) into the bound target of `width` × `height` CSS pixels; returns
   * how many it drew.
   */
  #drawPoints(camera: Camera, width: number, height: number, from: number, limit: number): number {
    const gl = this.#gl;
    if (this.#count === 0) return 0;
    const zoom = (camera.zoom * Math.min(this.#width, this.#height)) / Math.min(width, height);
    const k = pixelsPerUnit({ ...camera, zoom }, { width, height });
    this.#usePoints(camera, k, width, height);
    let drawn = 0;
    let start = from;
    const passes: [pass: number, count: number][] = [
      [PASS_BASE, this.#count],
      [PASS_OUTLINE, this.#selectedCount],
      [PASS_FILL, this.#selectedCount],
    ];
    let offset = 0;
    for (const [pass, count] of passes) {
      if (start < offset + count && drawn < limit) {
        const first = start - offset;
        const n = Math.min(count - first, limit - drawn);
        gl.uniform1f(this.#u.uPass!, pass);
        if (pass === PASS_BASE) gl.drawArrays(gl.POINTS, first, n);
        else gl.drawElements(gl.POINTS, n, gl.UNSIGNED_INT, first * 4);
        drawn += n;
        start += n;
      }
      offset += count;
    }
    gl.bindVertexArray(null);
    return drawn;
  }

  #usePoints(camera: Camera, k: number, width: number, height: number): void {
    const gl = this.#gl;
    gl.useProgram(this.#program);
    gl.bindVertexArray(this.#vao);
    gl.enable(gl.BLEND);
    gl.blendFuncSeparate(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA, gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, this.#palette);
    gl.uniform1i(this.#u.uPalette!, 0);
    gl.uniform1i(this.#u.uPaletteSize!, this.#paletteSize);
    gl.uniform2f(this.#u.uCenter!, camera.x, camera.y);
    gl.uniform2f(this.#u.uScale!, (2 * k) / width, (2 * k) / height);
    gl.uniform1f(this.#u.uSize!, pointSizeAt(this.#style.size, camera.zoom) * this.#dpr);
    gl.uniform1f(this.#u.uOutline!, Math.max(1, 1.5 * this.#dpr));
    gl.uniform1f(this.#u.uOpacity!, this.#style.opacity);
    gl.uniform1f(this.#u.uDim!, this.#selectedCount > 0 ? 1 : 0);
  }

  /** The hovered point, drawn live on top (one point: cheap on any device). */
  #drawHover(camera: Camera): void {
    const gl = this.#gl;
    if (this.#hover === null || !this.isVisible(this.#hover)) return;
    this.#usePoints(camera, pixelsPerUnit(camera, { width: this.#width, height: this.#height }), this.#width, this.#height);
    gl.uniform1f(this.#u.uPass!, PASS_HOVER);
    gl.drawArrays(gl.POINTS, this.#hover, 1);
    gl.uniform1f(this.#u.uPass!, PASS_FILL);
    gl.drawArrays(gl.POINTS, this.#hover, 1);
    gl.bindVertexArray(null);
  }

  /** Starts timing a draw of `work` point draws, unless one is being timed; true when it started. */
  #startMeasure(work: number, now: number): boolean {
    const gl = this.#gl;
    // Small drawings are fast on any device, and too short to time.
    if (this.#fence || work < 20_000) return work < 20_000;
    const sync = gl.fenceSync(gl.SYNC_GPU_COMMANDS_COMPLETE, 0);
    if (!sync) return false;
    gl.flush();
    this.#fence = { sync, work, issued: now };
    return true;
  }

  /** Reads a finished timing: how many point draws fit in a slice on this device. */
  #measure(now: number): void {
    const gl = this.#gl;
    const fence = this.#fence;
    if (!fence || gl.getSyncParameter(fence.sync, gl.SYNC_STATUS) !== gl.SIGNALED) return;
    gl.deleteSync(fence.sync);
    this.#fence = null;
    const elapsed = Math.max(1, now - fence.issued);
    if (fence.work >= this.#work() && elapsed <= FAST_FRAME_MS) this.#budget = Infinity;
    else this.#budget = Math.max(20_000, Math.floor((fence.work / elapsed) * SLICE_MS));
  }

  dispose(): void {
    const gl = this.#gl;
    gl.deleteBuffer(this.#pos);
    gl.deleteBuffer(this.#cat);
    gl.deleteBuffer(this.#flags);
    gl.deleteBuffer(this.#selectedIndex);
    gl.deleteTexture(this.#palette);
    gl.deleteVertexArray(this.#vao);
    gl.deleteProgram(this.#program);
    gl.deleteVertexArray(this.#quad.vao);
    gl.deleteProgram(this.#quad.program);
    for (const cache of [this.#front, this.#back]) {
      if (!cache) continue;
      gl.deleteFramebuffer(cache.framebuffer);
      gl.deleteTexture(cache.texture);
    }
    if (this.#fence) gl.deleteSync(this.#fence.sync);
    // Frees the GPU memory now rather than when the canvas is collected.
    gl.getExtension('WEBGL_lose_context')?.loseContext();
  }

  #uploadFlags(): void {
    const gl = this.#gl;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#flags);
    gl.bufferSubData(gl.ARRAY_BUFFER, 0, this.#flagsData);
    this.#version++;
  }

  #attribute(name: string, source: WebGLBuffer, size: number, type: number): void {
    const gl = this.#gl;
    const location = gl.getAttribLocation(this.#program, name);
    if (location < 0) throw new Error(`The point shader has no attribute ${name}`);
    gl.bindBuffer(gl.ARRAY_BUFFER, source);
    gl.enableVertexAttribArray(location);
    gl.vertexAttribPointer(location, size, type, false, 0, 0);
  }
}

/** An off-screen image of the points, with the camera and picture version it was drawn for. */
interface Cache {
  texture: WebGLTexture;
  framebuffer: WebGLFramebuffer;
  width: number;
  height: number;
  /** Its size in CSS pixels: the view and its margins. */
  cssWidth: number;
  cssHeight: number;
  camera: Camera;
  version: number;
}

/** An off-screen image being drawn slice by slice. */
interface Job {
  camera: Camera;
  version: number;
  /** Point draws done so far. */
  done: number;
}

function sameCamera(a: Camera, b: Camera): boolean {
  return a.x === b.x && a.y === b.y && a.zoom === b.zoom;
}

function makeQuad(gl: WebGL2RenderingContext): { program: WebGLProgram; vao: WebGLVertexArrayObject; rect: WebGLUniformLocation | null; image: WebGLUniformLocation | null } {
  const program = link(gl, QUAD_VERTEX, QUAD_FRAGMENT);
  const vao = gl.createVertexArray();
  if (!vao) throw new Error('Could not create a WebGL vertex array');
  gl.bindVertexArray(vao);
  gl.bindBuffer(gl.ARRAY_BUFFER, buffer(gl));
  gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([0, 0, 1, 0, 0, 1, 1, 1]), gl.STATIC_DRAW);
  const location = gl.getAttribLocation(program, 'aCorner');
  gl.enableVertexAttribArray(location);
  gl.vertexAttribPointer(location, 2, gl.FLOAT, false, 0, 0);
  gl.bindVertexArray(null);
  return { program, vao, rect: gl.getUniformLocation(program, 'uRect'), image: gl.getUniformLocation(program, 'uImage') };
}

function buffer(gl: WebGL2RenderingContext): WebGLBuffer {
  const b = gl.createBuffer();
  if (!b) throw new Error('Could not create a WebGL buffer');
  return b;
}

function link(gl: WebGL2RenderingContext, vertex: string, fragment: string): WebGLProgram {
  const compile = (type: number, source: string): WebGLShader => {
    const shader = gl.createShader(type);
    if (!shader) throw new Error('Could not create a WebGL shader');
    gl.shaderSource(shader, source);
    gl.compileShader(shader);
    if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(`The point shader did not compile: ${gl.getShaderInfoLog(shader) ?? ''}`);
    return shader;
  };
  const program = gl.createProgram();
  if (!program) throw new Error('Could not create a WebGL program');
  gl.attachShader(program, compile(gl.VERTEX_SHADER, vertex));
  gl.attachShader(program, compile(gl.FRAGMENT_SHADER, fragment));
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(`The point shader did not link: ${gl.getProgramInfoLog(program) ?? ''}`);
  return program;
}

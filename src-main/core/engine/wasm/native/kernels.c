/*
 * Training kernels in WebAssembly SIMD that run on the tfjs wasm backend's own heap: the module
 * imports the backend's memory, and every pointer argument is a byte offset of a tensor (or of a
 * scratch tensor) allocated there by tfjs. Built by build.sh into kernels-wasm.ts.
 *
 * Each kernel takes a row range [r0, r1) (a row is one pixel of an NHWC tensor, C floats), so a
 * caller can split one call over several threads that share the memory. There is no stack, no
 * static data and no libc: the module owns no memory of its own and cannot collide with the
 * backend's allocator.
 *
 * Batch-norm statistics are accumulated about a per-channel shift K (a sample of the data), in
 * float32 over blocks of BLOCK rows and in float64 across blocks, so that Σ(y − K)² − (Σ(y − K))²/M
 * keeps its precision on large activations.
 */
#include <wasm_simd128.h>

#define BLOCK 64
#define EXPORT(name) __attribute__((export_name(#name)))

typedef float f32;
typedef double f64;

/* ⌊a / b⌋ for b > 0 (C's / truncates toward zero, which is wrong for negative a). */
static inline int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

static inline void add_f64x4(f64 *acc, v128_t v) {
  wasm_v128_store(acc, wasm_f64x2_add(wasm_v128_load(acc), wasm_f64x2_promote_low_f32x4(v)));
  v128_t hi = wasm_i32x4_shuffle(v, v, 2, 3, 0, 1);
  wasm_v128_store(acc + 2, wasm_f64x2_add(wasm_v128_load(acc + 2), wasm_f64x2_promote_low_f32x4(hi)));
}

/*
 * Per-channel Σ(y − K) and Σ(y − K)² over rows [r0, r1) of y [rows, c] (c % 4 == 0), added to
 * acc [2, c] (float64: sums, then sums of squares).
 */
EXPORT(bn_stats)
void bn_stats(const f32 *y, int c, const f32 *shift, f64 *acc, int r0, int r1) {
  for (int b0 = r0; b0 < r1; b0 += BLOCK) {
    int b1 = b0 + BLOCK < r1 ? b0 + BLOCK : r1;
    for (int j = 0; j < c; j += 4) {
      v128_t k = wasm_v128_load(shift + j);
      v128_t s = wasm_f32x4_splat(0.f), q = wasm_f32x4_splat(0.f);
      const f32 *p = y + (long)b0 * c + j;
      for (int r = b0; r < b1; r++, p += c) {
        v128_t v = wasm_f32x4_sub(wasm_v128_load(p), k);
        s = wasm_f32x4_add(s, v);
        q = wasm_f32x4_add(q, wasm_f32x4_mul(v, v));
      }
      add_f64x4(acc + j, s);
      add_f64x4(acc + c + j, q);
    }
  }
}

/* out = max(0, y·scale + shift) per channel, rows [r0, r1). */
EXPORT(bn_relu_apply)
void bn_relu_apply(const f32 *y, int c, const f32 *scale, const f32 *shift, f32 *out, int r0, int r1) {
  v128_t zero = wasm_f32x4_splat(0.f);
  for (int r = r0; r < r1; r++) {
    const f32 *p = y + (long)r * c;
    f32 *o = out + (long)r * c;
    for (int j = 0; j < c; j += 4) {
      v128_t v = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(p + j), wasm_v128_load(scale + j)), wasm_v128_load(shift + j));
      wasm_v128_store(o + j, wasm_f32x4_max(v, zero));
    }
  }
}

/*
 * The sums of the backward pass, with dz = dout where y·scale + shift > 0 (the ReLU was open), else 0:
 * acc [2, c] += Σ dz, Σ dz·(y − mean).
 */
EXPORT(bn_relu_grad_sums)
void bn_relu_grad_sums(const f32 *dout, const f32 *y, int c, const f32 *scale, const f32 *shift, const f32 *mean, f64 *acc, int r0, int r1) {
  v128_t zero = wasm_f32x4_splat(0.f);
  for (int b0 = r0; b0 < r1; b0 += BLOCK) {
    int b1 = b0 + BLOCK < r1 ? b0 + BLOCK : r1;
    for (int j = 0; j < c; j += 4) {
      v128_t sc = wasm_v128_load(scale + j), sh = wasm_v128_load(shift + j), mu = wasm_v128_load(mean + j);
      v128_t s = zero, q = zero;
      const f32 *py = y + (long)b0 * c + j;
      const f32 *pd = dout + (long)b0 * c + j;
      for (int r = b0; r < b1; r++, py += c, pd += c) {
        v128_t v = wasm_v128_load(py);
        v128_t open = wasm_f32x4_gt(wasm_f32x4_add(wasm_f32x4_mul(v, sc), sh), zero);
        v128_t dz = wasm_v128_and(wasm_v128_load(pd), open);
        s = wasm_f32x4_add(s, dz);
        q = wasm_f32x4_add(q, wasm_f32x4_mul(dz, wasm_f32x4_sub(v, mu)));
      }
      add_f64x4(acc + j, s);
      add_f64x4(acc + c + j, q);
    }
  }
}

/* dy = dz·gscale + y·gy + gc per channel (dz as in bn_relu_grad_sums), rows [r0, r1). */
EXPORT(bn_relu_grad_apply)
void bn_relu_grad_apply(const f32 *dout, const f32 *y, int c, const f32 *scale, const f32 *shift, const f32 *gscale, const f32 *gy, const f32 *gc, f32 *dy,
                        int r0, int r1) {
  v128_t zero = wasm_f32x4_splat(0.f);
  for (int r = r0; r < r1; r++) {
    const f32 *py = y + (long)r * c;
    const f32 *pd = dout + (long)r * c;
    f32 *o = dy + (long)r * c;
    for (int j = 0; j < c; j += 4) {
      v128_t v = wasm_v128_load(py + j);
      v128_t open = wasm_f32x4_gt(wasm_f32x4_add(wasm_f32x4_mul(v, wasm_v128_load(scale + j)), wasm_v128_load(shift + j)), zero);
      v128_t dz = wasm_v128_and(wasm_v128_load(pd + j), open);
      v128_t g = wasm_f32x4_add(wasm_f32x4_mul(dz, wasm_v128_load(gscale + j)), wasm_f32x4_add(wasm_f32x4_mul(v, wasm_v128_load(gy + j)), wasm_v128_load(gc + j)));
      wasm_v128_store(o + j, g);
    }
  }
}

/*
 * Filter gradient of a convolution with few input channels (the first layer), images [n0, n1):
 *
 *   acc[kh, kw, ci, co] += Σ_{n, ho, wo} x[n, ho·sh + kh − pt, wo·sw + kw − pl, ci] · dy[n, ho, wo, co]
 *
 * x [N, H, W, ci], dy [N, Ho, Wo, co] with co % 4 == 0, acc float64 [kh·kw·ci·co]. For each output
 * row and tap, up to 32 output channels stay in registers while the row's pixels stream by; each
 * row's float32 sums go to acc in float64.
 */
EXPORT(conv_filter_grad_small)
void conv_filter_grad_small(const f32 *x, const f32 *dy, f64 *acc, int h, int w, int ci, int ho_n, int wo_n, int co, int kh, int kw, int sh, int sw, int pt,
                            int pl, int n0, int n1) {
  for (int n = n0; n < n1; n++) {
    const f32 *xn = x + (long)n * h * w * ci;
    const f32 *dyn = dy + (long)n * ho_n * wo_n * co;
    for (int oh = 0; oh < ho_n; oh++) {
      const f32 *dyrow = dyn + (long)oh * wo_n * co;
      for (int a = 0; a < kh; a++) {
        int ih = oh * sh + a - pt;
        if (ih < 0 || ih >= h) continue;
        const f32 *xrow = xn + (long)ih * w * ci;
        for (int b = 0; b < kw; b++) {
          /* output columns whose input column wo·sw + b − pl lies in [0, w) */
          int lo = pl - b > 0 ? (pl - b + sw - 1) / sw : 0;
          int hi = floor_div(w - 1 + pl - b, sw);
          if (hi > wo_n - 1) hi = wo_n - 1;
          if (lo > hi) continue;
          for (int k = 0; k < ci; k++) {
            f64 *out = acc + ((long)(a * kw + b) * ci + k) * co;
            for (int j0 = 0; j0 < co; j0 += 32) {
              int nj = co - j0 < 32 ? (co - j0) / 4 : 8;
              v128_t s0 = wasm_f32x4_splat(0.f), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
              const f32 *xp = xrow + (long)(lo * sw + b - pl) * ci + k;
              const f32 *dp = dyrow + (long)lo * co + j0;
              if (nj == 8) {
                for (int ow = lo; ow <= hi; ow++, xp += sw * ci, dp += co) {
                  v128_t xv = wasm_v128_load32_splat(xp);
                  s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(xv, wasm_v128_load(dp)));
                  s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(xv, wasm_v128_load(dp + 4)));
                  s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(xv, wasm_v128_load(dp + 8)));
                  s3 = wasm_f32x4_add(s3, wasm_f32x4_mul(xv, wasm_v128_load(dp + 12)));
                  s4 = wasm_f32x4_add(s4, wasm_f32x4_mul(xv, wasm_v128_load(dp + 16)));
                  s5 = wasm_f32x4_add(s5, wasm_f32x4_mul(xv, wasm_v128_load(dp + 20)));
                  s6 = wasm_f32x4_add(s6, wasm_f32x4_mul(xv, wasm_v128_load(dp + 24)));
                  s7 = wasm_f32x4_add(s7, wasm_f32x4_mul(xv, wasm_v128_load(dp + 28)));
                }
                add_f64x4(out + j0, s0);
                add_f64x4(out + j0 + 4, s1);
                add_f64x4(out + j0 + 8, s2);
                add_f64x4(out + j0 + 12, s3);
                add_f64x4(out + j0 + 16, s4);
                add_f64x4(out + j0 + 20, s5);
                add_f64x4(out + j0 + 24, s6);
                add_f64x4(out + j0 + 28, s7);
              } else {
                for (int q = 0; q < nj; q++) {
                  v128_t s = wasm_f32x4_splat(0.f);
                  const f32 *xq = xp;
                  const f32 *dq = dp + 4 * q;
                  for (int ow = lo; ow <= hi; ow++, xq += sw * ci, dq += co) {
                    s = wasm_f32x4_add(s, wasm_f32x4_mul(wasm_v128_load32_splat(xq), wasm_v128_load(dq)));
                  }
                  add_f64x4(out + j0 + 4 * q, s);
                }
              }
            }
          }
        }
      }
    }
  }
}

/*
 * Filter gradient of a convolution with ci % 4 == 0 and co % 8 == 0, images [n0, n1):
 *
 *   acc[kh, kw, ci, co] += Σ_{n, ho, wo} x[n, ho·sh + kh − pt, wo·sw + kw − pl, ci] · dy[n, ho, wo, co]
 *
 * i.e. im2col(x)ᵀ · dy without the im2col: a 4 (input channels) × 8 (output channels) tile of dW
 * stays in registers while the pixels of a block of `images` images stream by (the caller sizes the
 * block to stay in cache across its tiles); each tile's float32 sums over the block are added to
 * acc in float64. Taps that fall in the padding are skipped, not multiplied by zero.
 */

static inline void add_tile(f64 *out, int co, v128_t a0, v128_t a1, v128_t b0, v128_t b1, v128_t c0, v128_t c1, v128_t d0, v128_t d1) {
  add_f64x4(out, a0);
  add_f64x4(out + 4, a1);
  add_f64x4(out + co, b0);
  add_f64x4(out + co + 4, b1);
  add_f64x4(out + 2 * co, c0);
  add_f64x4(out + 2 * co + 4, c1);
  add_f64x4(out + 3 * co, d0);
  add_f64x4(out + 3 * co + 4, d1);
}

EXPORT(conv_filter_grad)
void conv_filter_grad(const f32 *x, const f32 *dy, f64 *acc, int h, int w, int ci, int ho_n, int wo_n, int co, int kh, int kw, int sh, int sw, int pt, int pl,
                      int images, int n0, int n1) {
  long image_x = (long)h * w * ci, image_dy = (long)ho_n * wo_n * co;
  for (int nb = n0; nb < n1; nb += images) {
    int ne = nb + images < n1 ? nb + images : n1;
    for (int a = 0; a < kh; a++) {
      /* output rows whose input row oh·sh + a − pt lies in [0, h) */
      int rlo = pt - a > 0 ? (pt - a + sh - 1) / sh : 0;
      int rhi = floor_div(h - 1 + pt - a, sh);
      if (rhi > ho_n - 1) rhi = ho_n - 1;
      if (rlo > rhi) continue;
      for (int b = 0; b < kw; b++) {
        int clo = pl - b > 0 ? (pl - b + sw - 1) / sw : 0;
        int chi = floor_div(w - 1 + pl - b, sw);
        if (chi > wo_n - 1) chi = wo_n - 1;
        if (clo > chi) continue;
        int cols = chi - clo + 1;
        for (int k0 = 0; k0 < ci; k0 += 4) {
          for (int j0 = 0; j0 < co; j0 += 8) {
            v128_t z = wasm_f32x4_splat(0.f);
            v128_t a0 = z, a1 = z, b0 = z, b1 = z, c0 = z, c1 = z, d0 = z, d1 = z;
            for (int n = nb; n < ne; n++) {
              for (int oh = rlo; oh <= rhi; oh++) {
                const f32 *xp = x + n * image_x + ((long)(oh * sh + a - pt) * w + (clo * sw + b - pl)) * ci + k0;
                const f32 *dp = dy + n * image_dy + ((long)oh * wo_n + clo) * co + j0;
                for (int q = 0; q < cols; q++, xp += sw * ci, dp += co) {
                  v128_t e0 = wasm_v128_load(dp), e1 = wasm_v128_load(dp + 4);
                  v128_t xa = wasm_v128_load32_splat(xp), xb = wasm_v128_load32_splat(xp + 1);
                  a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(xa, e0));
                  a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(xa, e1));
                  b0 = wasm_f32x4_add(b0, wasm_f32x4_mul(xb, e0));
                  b1 = wasm_f32x4_add(b1, wasm_f32x4_mul(xb, e1));
                  v128_t xc = wasm_v128_load32_splat(xp + 2), xd = wasm_v128_load32_splat(xp + 3);
                  c0 = wasm_f32x4_add(c0, wasm_f32x4_mul(xc, e0));
                  c1 = wasm_f32x4_add(c1, wasm_f32x4_mul(xc, e1));
                  d0 = wasm_f32x4_add(d0, wasm_f32x4_mul(xd, e0));
                  d1 = wasm_f32x4_add(d1, wasm_f32x4_mul(xd, e1));
                }
              }
            }
            add_tile(acc + ((long)(a * kw + b) * ci + k0) * co + j0, co, a0, a1, b0, b1, c0, c1, d0, d1);
          }
        }
      }
    }
  }
}

/*
 * Direct convolution, images [n0, n1):
 *
 *   out[n, oy·ry + ry0, ox·rx + rx0, :] = Σ_{a, b, c} in[n, oy·sy + a − py, ox·sx + b − px, c] · f[a, b, c, :]
 *
 * for oy < oh, ox < ow; in [N, ih, iw, ci], f [fh, fw, ci, co] with co % 8 == 0, out [N, OH, OW, co].
 * The output grid may be a strided subset of out's (ry, rx > 1): one phase of a transposed
 * convolution. Inputs outside in read as zero (`zero` points to ci zero floats); a pixel no tap
 * reaches gets 0. A tile of 4 output pixels (consecutive in (n, oy, ox) order, so small images
 * waste nothing) × 8 output channels stays in registers over all taps.
 */
EXPORT(conv_direct)
void conv_direct(const f32 *in, const f32 *f, f32 *out, const f32 *zero, int ih, int iw, int ci, int oh, int ow, int co, int fh, int fw, int sy, int sx, int py,
                 int px, int out_h, int out_w, int ry, int ry0, int rx, int rx0, int n0, int n1) {
  int per_image = oh * ow;
  int last = n1 * per_image;
  for (int t = n0 * per_image; t < last; t += 4) {
    int pn[4], py_[4], px_[4], ok[4];
    for (int k = 0; k < 4; k++) {
      int q = t + k;
      ok[k] = q < last;
      if (!ok[k]) q = t;
      pn[k] = q / per_image;
      int r = q - pn[k] * per_image;
      py_[k] = r / ow;
      px_[k] = r - py_[k] * ow;
    }
    for (int j0 = 0; j0 < co; j0 += 8) {
      v128_t z = wasm_f32x4_splat(0.f);
      v128_t a0 = z, a1 = z, b0 = z, b1 = z, c0 = z, c1 = z, d0 = z, d1 = z;
      for (int a = 0; a < fh; a++) {
        for (int b = 0; b < fw; b++) {
          const f32 *p0, *p1, *p2, *p3;
          int any = 0;
#define PIXEL(k, pk)                                                                   \
  {                                                                                    \
    int iy = py_[k] * sy + a - py, ix = px_[k] * sx + b - px;                          \
    int valid = ok[k] && iy >= 0 && iy < ih && ix >= 0 && ix < iw;                     \
    pk = valid ? in + (((long)pn[k] * ih + iy) * iw + ix) * ci : zero;                 \
    any |= valid;                                                                      \
  }
          PIXEL(0, p0)
          PIXEL(1, p1)
          PIXEL(2, p2)
          PIXEL(3, p3)
#undef PIXEL
          if (!any) continue;
          const f32 *fp = f + (long)(a * fw + b) * ci * co + j0;
          for (int c = 0; c < ci; c++, fp += co) {
            v128_t e0 = wasm_v128_load(fp), e1 = wasm_v128_load(fp + 4);
            v128_t xa = wasm_v128_load32_splat(p0 + c), xb = wasm_v128_load32_splat(p1 + c);
            a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(xa, e0));
            a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(xa, e1));
            b0 = wasm_f32x4_add(b0, wasm_f32x4_mul(xb, e0));
            b1 = wasm_f32x4_add(b1, wasm_f32x4_mul(xb, e1));
            v128_t xc = wasm_v128_load32_splat(p2 + c), xd = wasm_v128_load32_splat(p3 + c);
            c0 = wasm_f32x4_add(c0, wasm_f32x4_mul(xc, e0));
            c1 = wasm_f32x4_add(c1, wasm_f32x4_mul(xc, e1));
            d0 = wasm_f32x4_add(d0, wasm_f32x4_mul(xd, e0));
            d1 = wasm_f32x4_add(d1, wasm_f32x4_mul(xd, e1));
          }
        }
      }
#define STORE(k, lo, hi)                                                                                                      \
  if (ok[k]) {                                                                                                                \
    f32 *o = out + (((long)pn[k] * out_h + py_[k] * ry + ry0) * out_w + px_[k] * rx + rx0) * co + j0;                         \
    wasm_v128_store(o, lo);                                                                                                   \
    wasm_v128_store(o + 4, hi);                                                                                               \
  }
      STORE(0, a0, a1)
      STORE(1, b0, b1)
      STORE(2, c0, c1)
      STORE(3, d0, d1)
#undef STORE
    }
  }
}

#ifndef VTV_CODECS_H
#define VTV_CODECS_H
// JPEG and PNG decoding/encoding over libjpeg-turbo and libpng. Both libraries report errors by
// longjmp, which Swift cannot catch; these functions do the setjmp here and return a status code
// plus a message instead. No libjpeg or libpng type appears in this header.

#include <stddef.h>

/// Status codes returned by every function below.
enum {
    VTV_CODEC_OK = 0,
    VTV_CODEC_CORRUPT = 1,      ///< the library rejected the data (message says why)
    VTV_CODEC_UNSUPPORTED = 2,  ///< valid file of a kind we do not read (e.g. CMYK JPEG)
    VTV_CODEC_NO_MEMORY = 3,
};

/// How `vtv_decode_png` presents the samples.
enum {
    /// Palette expanded to RGB (RGBA if it has transparency), 16-bit samples reduced to their high
    /// byte, sub-byte gray scaled to 0..255. Gray stays one channel, gray+alpha two.
    VTV_PNG_COLOR = 0,
    /// One channel of raw stored values: palette indices or gray levels (sub-byte depths unpacked,
    /// not scaled). Colour images are rejected as VTV_CODEC_UNSUPPORTED.
    VTV_PNG_INDICES = 1,
};

/// A decoded image: pixels [height, width, channels] row-major, 8 bits per sample, owned by the
/// caller and released with `vtv_codec_free`.
typedef struct {
    int width;
    int height;
    int channels;
    unsigned char *pixels;
} vtv_decoded_image;

/// Decodes a baseline or progressive JPEG to RGB (3 channels) or grayscale (1 channel), with the
/// library defaults Pillow also uses (accurate integer IDCT, fancy upsampling).
/// `message` receives a NUL-terminated explanation on failure.
int vtv_decode_jpeg(const unsigned char *data, size_t size, vtv_decoded_image *out,
                    char *message, size_t message_capacity);

/// Decodes a PNG (any colour type, bit depth and interlacing); `mode` is VTV_PNG_COLOR or VTV_PNG_INDICES.
int vtv_decode_png(const unsigned char *data, size_t size, int mode, vtv_decoded_image *out,
                   char *message, size_t message_capacity);

/// Encodes 8-bit pixels [height, width, channels] (channels 1 = gray, 3 = RGB, 4 = RGBA) as PNG.
/// On success `*png` (released with `vtv_codec_free`) holds `*png_size` bytes.
int vtv_encode_png(const unsigned char *pixels, int width, int height, int channels,
                   unsigned char **png, size_t *png_size, char *message, size_t message_capacity);

/// Releases memory returned by the functions above.
void vtv_codec_free(void *pointer);

#endif

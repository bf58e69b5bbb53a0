// Decoding and encoding with error recovery: libjpeg and libpng signal errors by longjmp, so the
// setjmp lives here, in C, and each failure becomes a status code and a message.

#include "vtv_codecs.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>

static void set_message(char *message, size_t capacity, const char *text) {
    if (message == NULL || capacity == 0) return;
    snprintf(message, capacity, "%s", text);
}

void vtv_codec_free(void *pointer) { free(pointer); }

// MARK: - JPEG

struct jpeg_failure {
    struct jpeg_error_mgr manager;  // first, so the library's pointer can be cast back
    jmp_buf jump;
    char text[JMSG_LENGTH_MAX];
};

static void jpeg_fail(j_common_ptr cinfo) {
    struct jpeg_failure *failure = (struct jpeg_failure *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, failure->text);
    longjmp(failure->jump, 1);
}

static void jpeg_warn(j_common_ptr cinfo, int level) {
    // Pillow refuses truncated files ("image file is truncated"); libjpeg only warns and pads
    // with gray. Every other warning (e.g. extraneous bytes) is tolerated, as in Pillow.
    if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) jpeg_fail(cinfo);
    if (level < 0) cinfo->err->num_warnings++;
}

/// Pillow refuses images of more than twice its MAX_IMAGE_PIXELS (89,478,485) as decompression
/// bombs; so does vtv, before allocating or decoding anything (a 30000 x 30000 header in a small
/// file would otherwise take gigabytes and minutes).
#define VTV_MAX_PIXELS 178956970ULL

static int too_many_pixels(unsigned long width, unsigned long height, char *message, size_t capacity) {
    if ((unsigned long long)width * (unsigned long long)height <= VTV_MAX_PIXELS) return 0;
    char text[200];
    snprintf(text, sizeof text, "%lu x %lu pixels is more than the %llu that Pillow (and vtv) accept",
             width, height, VTV_MAX_PIXELS);
    set_message(message, capacity, text);
    return 1;
}

int vtv_decode_jpeg(const unsigned char *data, size_t size, vtv_decoded_image *out,
                    char *message, size_t message_capacity) {
    struct jpeg_decompress_struct cinfo;
    struct jpeg_failure failure;
    unsigned char *volatile pixels = NULL;
    memset(out, 0, sizeof(*out));
    cinfo.err = jpeg_std_error(&failure.manager);
    failure.manager.error_exit = jpeg_fail;
    failure.manager.emit_message = jpeg_warn;
    failure.text[0] = 0;
    if (setjmp(failure.jump)) {
        set_message(message, message_capacity, failure.text);
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        return VTV_CODEC_CORRUPT;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    if (too_many_pixels(cinfo.image_width, cinfo.image_height, message, message_capacity)) {
        jpeg_destroy_decompress(&cinfo);
        return VTV_CODEC_UNSUPPORTED;
    }

    int channels;
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
        cinfo.out_color_space = JCS_GRAYSCALE;
        channels = 1;
        break;
    case JCS_YCbCr:
    case JCS_RGB:
        cinfo.out_color_space = JCS_RGB;
        channels = 3;
        break;
    default:
        set_message(message, message_capacity,
                    "CMYK/YCCK or unknown colour space JPEG; only RGB and grayscale are supported");
        jpeg_destroy_decompress(&cinfo);
        return VTV_CODEC_UNSUPPORTED;
    }
    jpeg_start_decompress(&cinfo);
    if ((int)cinfo.output_components != channels) {
        set_message(message, message_capacity, "unexpected number of decoded components");
        jpeg_destroy_decompress(&cinfo);
        return VTV_CODEC_UNSUPPORTED;
    }
    size_t stride = (size_t)cinfo.output_width * (size_t)channels;
    pixels = malloc(stride * cinfo.output_height);
    if (pixels == NULL) {
        jpeg_destroy_decompress(&cinfo);
        set_message(message, message_capacity, "out of memory");
        return VTV_CODEC_NO_MEMORY;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = pixels + stride * cinfo.output_scanline;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    out->width = (int)cinfo.output_width;
    out->height = (int)cinfo.output_height;
    out->channels = channels;
    out->pixels = pixels;
    jpeg_destroy_decompress(&cinfo);
    return VTV_CODEC_OK;
}

// MARK: - PNG

struct png_context {
    char text[256];
    const unsigned char *data;  // reading
    size_t size, offset;
    unsigned char *buffer;      // writing
    size_t length, capacity;
    int out_of_memory;
};

static void png_fail(png_structp png, png_const_charp text) {
    struct png_context *context = png_get_error_ptr(png);
    snprintf(context->text, sizeof(context->text), "%s", text);
    png_longjmp(png, 1);
}

static void png_ignore_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

static void png_read_memory(png_structp png, png_bytep destination, png_size_t count) {
    struct png_context *context = png_get_io_ptr(png);
    if (count > context->size - context->offset) png_error(png, "file is truncated");
    memcpy(destination, context->data + context->offset, count);
    context->offset += count;
}

int vtv_decode_png(const unsigned char *data, size_t size, int mode, vtv_decoded_image *out,
                   char *message, size_t message_capacity) {
    memset(out, 0, sizeof(*out));
    struct png_context *context = calloc(1, sizeof(struct png_context));
    if (context == NULL) return VTV_CODEC_NO_MEMORY;
    context->data = data;
    context->size = size;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, context, png_fail,
                                             png_ignore_warning);
    png_infop info = png == NULL ? NULL : png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        free(context);
        set_message(message, message_capacity, "out of memory");
        return VTV_CODEC_NO_MEMORY;
    }
    unsigned char *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    int status = VTV_CODEC_CORRUPT;
    if (setjmp(png_jmpbuf(png))) {
        set_message(message, message_capacity, context->text);
        goto done;
    }
    png_set_read_fn(png, context, png_read_memory);
    png_read_info(png, info);

    int color_type = png_get_color_type(png, info);
    int bit_depth = png_get_bit_depth(png, info);
    if (mode == VTV_PNG_INDICES) {
        if (color_type != PNG_COLOR_TYPE_PALETTE && color_type != PNG_COLOR_TYPE_GRAY) {
            set_message(message, message_capacity,
                        "label images must be palette or grayscale PNGs, this one has colour channels");
            status = VTV_CODEC_UNSUPPORTED;
            goto done;
        }
        if (bit_depth < 8) png_set_packing(png);
    } else {
        if (color_type == PNG_COLOR_TYPE_PALETTE) {
            png_set_palette_to_rgb(png);
            if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
        }
        if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    }
    // Pillow keeps the high byte of 16-bit colour samples.
    if (bit_depth == 16) png_set_strip_16(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    if (too_many_pixels(png_get_image_width(png, info), png_get_image_height(png, info), message, message_capacity)) {
        status = VTV_CODEC_UNSUPPORTED;
        goto done;
    }
    int width = (int)png_get_image_width(png, info);
    int height = (int)png_get_image_height(png, info);
    int channels = png_get_channels(png, info);
    size_t stride = png_get_rowbytes(png, info);
    if (stride != (size_t)width * (size_t)channels) {
        set_message(message, message_capacity, "unexpected row layout after transforms");
        status = VTV_CODEC_UNSUPPORTED;
        goto done;
    }
    pixels = malloc(stride * (size_t)height);
    rows = malloc(sizeof(png_bytep) * (size_t)height);
    if (pixels == NULL || rows == NULL) {
        set_message(message, message_capacity, "out of memory");
        status = VTV_CODEC_NO_MEMORY;
        goto done;
    }
    for (int y = 0; y < height; y++) rows[y] = pixels + stride * (size_t)y;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    out->width = width;
    out->height = height;
    out->channels = channels;
    out->pixels = pixels;
    pixels = NULL;
    status = VTV_CODEC_OK;
done:
    png_destroy_read_struct(&png, &info, NULL);
    free(pixels);
    free(rows);
    free(context);
    return status;
}

static void png_write_memory(png_structp png, png_bytep source, png_size_t count) {
    struct png_context *context = png_get_io_ptr(png);
    if (context->length + count > context->capacity) {
        size_t capacity = context->capacity * 2 + count + 4096;
        unsigned char *grown = realloc(context->buffer, capacity);
        if (grown == NULL) {
            context->out_of_memory = 1;
            png_error(png, "out of memory");
        }
        context->buffer = grown;
        context->capacity = capacity;
    }
    memcpy(context->buffer + context->length, source, count);
    context->length += count;
}

static void png_flush_memory(png_structp png) { (void)png; }

int vtv_encode_png(const unsigned char *pixels, int width, int height, int channels,
                   unsigned char **png_out, size_t *png_size, char *message, size_t message_capacity) {
    *png_out = NULL;
    *png_size = 0;
    int color_type;
    switch (channels) {
    case 1: color_type = PNG_COLOR_TYPE_GRAY; break;
    case 2: color_type = PNG_COLOR_TYPE_GRAY_ALPHA; break;
    case 3: color_type = PNG_COLOR_TYPE_RGB; break;
    case 4: color_type = PNG_COLOR_TYPE_RGB_ALPHA; break;
    default:
        set_message(message, message_capacity, "PNG encoding needs 1 to 4 channels");
        return VTV_CODEC_UNSUPPORTED;
    }
    struct png_context *context = calloc(1, sizeof(struct png_context));
    png_bytep *rows = malloc(sizeof(png_bytep) * (size_t)(height > 0 ? height : 1));
    png_structp png = context == NULL ? NULL
        : png_create_write_struct(PNG_LIBPNG_VER_STRING, context, png_fail, png_ignore_warning);
    png_infop info = png == NULL ? NULL : png_create_info_struct(png);
    if (info == NULL || rows == NULL) {
        png_destroy_write_struct(&png, &info);
        free(context);
        free(rows);
        set_message(message, message_capacity, "out of memory");
        return VTV_CODEC_NO_MEMORY;
    }
    if (setjmp(png_jmpbuf(png))) {
        int status = context->out_of_memory ? VTV_CODEC_NO_MEMORY : VTV_CODEC_CORRUPT;
        set_message(message, message_capacity, context->text);
        png_destroy_write_struct(&png, &info);
        free(context->buffer);
        free(context);
        free(rows);
        return status;
    }
    png_set_write_fn(png, context, png_write_memory, png_flush_memory);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, color_type,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    size_t stride = (size_t)width * (size_t)channels;
    for (int y = 0; y < height; y++) rows[y] = (png_bytep)(pixels + stride * (size_t)y);
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    *png_out = context->buffer;
    *png_size = context->length;
    free(context);
    free(rows);
    return VTV_CODEC_OK;
}

package cases

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"strconv"

	xdraw "golang.org/x/image/draw"
	_ "golang.org/x/image/webp" // registers the WebP decoder

	"grassroots/internal/platform/errs"
)

// MaxPhotoPixels bounds the size of a photo once decoded: a small file
// can claim a huge picture (a decompression bomb), so the dimensions are
// read first and a picture over the limit is refused before it is
// decoded. 40 megapixels is more than any phone camera takes.
const MaxPhotoPixels = 40_000_000

// MaxPhotoDecoded bounds the memory a decoded photo may take: a 16-bit
// PNG takes 8 bytes a pixel, so 40 megapixels of it would be 320 MB.
const MaxPhotoDecoded = 160 << 20

// MaxPhotoSide is the longest side a photo is stored with: larger ones are
// scaled down, which is plenty to see a broken lamp and keeps six photos
// of a report from filling the database.
const MaxPhotoSide = 2560

// bytesPerPixel is what a decoded pixel of colour model m takes, at most.
func bytesPerPixel(m color.Model) int64 {
	switch m {
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	case color.Gray16Model:
		return 2
	case color.GrayModel, color.AlphaModel:
		return 1
	}
	return 4
}

// photoFormats are the formats a photo may come in.
var photoFormats = map[string]bool{"jpeg": true, "png": true, "webp": true}

// CheckPhoto accepts a JPEG, PNG or WebP image of at most MaxPhotoBytes
// and MaxPhotoPixels and returns the copy to store. The whole image is
// decoded, so a file that merely starts like an image (a PNG header
// followed by HTML, say) is refused, and what is stored is the decoded
// picture encoded again: nothing of the upload survives but its pixels —
// no metadata (EXIF, with the reporter's GPS position, the camera and
// the time), no trailing bytes. A PNG stays PNG; a JPEG becomes a JPEG
// turned upright by its EXIF orientation (the tag that told viewers how
// to turn it is gone); a WebP becomes a JPEG, or a PNG when it has
// transparency.
func CheckPhoto(field string, data []byte) (Photo, error) {
	if len(data) == 0 {
		return Photo{}, errs.Field(field, "rule.required", "")
	}
	if len(data) > MaxPhotoBytes {
		return Photo{}, errs.Field(field, "rule.photo_size", strconv.Itoa(MaxPhotoBytes>>20))
	}
	badType := errs.Field(field, "rule.photo_type", "JPEG, PNG, WebP")
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || !photoFormats[format] {
		return Photo{}, badType
	}
	px := int64(cfg.Width) * int64(cfg.Height)
	if cfg.Width <= 0 || cfg.Height <= 0 || px > MaxPhotoPixels || px*bytesPerPixel(cfg.ColorModel) > MaxPhotoDecoded {
		return Photo{}, errs.Field(field, "rule.photo_pixels", strconv.Itoa(MaxPhotoPixels/1_000_000))
	}
	img, format, err := image.Decode(bytes.NewReader(data))
	if err != nil || !photoFormats[format] {
		return Photo{}, badType
	}
	if format == "jpeg" {
		img = upright(img, jpegOrientation(data))
	}
	img = fit(img, MaxPhotoSide)
	var buf bytes.Buffer
	if format == "png" || format == "webp" && !opaque(img) {
		enc := png.Encoder{CompressionLevel: png.BestCompression}
		if err := enc.Encode(&buf, img); err != nil {
			return Photo{}, badType
		}
		return Photo{ContentType: "image/png", Data: buf.Bytes()}, nil
	}
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		return Photo{}, badType
	}
	return Photo{ContentType: "image/jpeg", Data: buf.Bytes()}, nil
}

// fit scales img down so that its longer side is at most side.
func fit(img image.Image, side int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= side && h <= side {
		return img
	}
	if w >= h {
		h, w = max(1, h*side/w), side
	} else {
		w, h = max(1, w*side/h), side
	}
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	xdraw.ApproxBiLinear.Scale(dst, dst.Bounds(), img, b, xdraw.Src, nil)
	return dst
}

// CheckPhoto is CheckPhoto with at most two photos decoding at a time:
// decoding a large photo takes a core and a few hundred megabytes, and
// uploads in parallel must not take the server's memory.
// A request whose deadline has passed decodes nothing more: select
// would pick a free slot as readily as the closed Done channel, so the
// context is asked first, and again once the photo is decoded.
func (s *Service) CheckPhoto(ctx context.Context, field string, data []byte) (Photo, error) {
	if err := ctx.Err(); err != nil {
		return Photo{}, err
	}
	select {
	case s.photoSlots <- struct{}{}:
	case <-ctx.Done():
		return Photo{}, ctx.Err()
	}
	defer func() { <-s.photoSlots }()
	p, err := CheckPhoto(field, data)
	if cerr := ctx.Err(); cerr != nil {
		return Photo{}, cerr
	}
	return p, err
}

// checkPhotoSizes refuses, before any photo is decoded, more than
// MaxPhotos photos or one over MaxPhotoBytes, given their sizes: photos a
// request would have refused anyway must not keep the decoders busy, and
// so the photos of one request are never more than MaxPhotos ×
// MaxPhotoBytes together.
func checkPhotoSizes(field string, sizes []int64) error {
	if len(sizes) > MaxPhotos {
		return errs.Field(field, "rule.photo_count", strconv.Itoa(MaxPhotos))
	}
	for _, n := range sizes {
		if n > MaxPhotoBytes {
			return errs.Field(field, "rule.photo_size", strconv.Itoa(MaxPhotoBytes>>20))
		}
	}
	return nil
}

// checkPhotos is CheckPhoto of every photo of a request, once their
// number and sizes pass checkPhotoSizes: the rules the photos break, as
// field errors, or the first other failure (the request's deadline).
func (s *Service) checkPhotos(ctx context.Context, field string, photos [][]byte) ([]Photo, errs.Fields, error) {
	sizes := make([]int64, len(photos))
	for i, b := range photos {
		sizes[i] = int64(len(b))
	}
	if err := checkPhotoSizes(field, sizes); err != nil {
		return nil, errs.As(err).Fields, nil
	}
	var out []Photo
	var fe errs.Fields
	for _, b := range photos {
		p, err := s.CheckPhoto(ctx, field, b)
		if errs.CodeOf(err) == errs.Invalid {
			fe = append(fe, errs.As(err).Fields...)
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		out = append(out, p)
	}
	return out, fe, nil
}

func opaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return false
}

// jpegOrientation reads the EXIF orientation (1–8) of a JPEG, 1 when it
// has none. It walks the segments before the image data to the APP1
// "Exif" segment and reads tag 0x0112 of its first TIFF directory.
func jpegOrientation(b []byte) int {
	if len(b) < 4 || b[0] != 0xff || b[1] != 0xd8 {
		return 1
	}
	for i := 2; i+4 <= len(b) && b[i] == 0xff; {
		marker := b[i+1]
		if marker == 0xda || marker == 0xd9 { // start of scan, end of image
			return 1
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return 1
		}
		seg := b[i+4 : i+2+n]
		if marker == 0xe1 && len(seg) > 6 && string(seg[:6]) == "Exif\x00\x00" {
			return tiffOrientation(seg[6:])
		}
		i += 2 + n
	}
	return 1
}

func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	ifd := int(bo.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > len(t) {
		return 1
	}
	count := int(bo.Uint16(t[ifd:]))
	for k := 0; k < count; k++ {
		e := ifd + 2 + 12*k
		if e+12 > len(t) {
			return 1
		}
		if bo.Uint16(t[e:]) == 0x0112 && bo.Uint16(t[e+2:]) == 3 { // orientation, SHORT
			if o := int(bo.Uint16(t[e+8:])); o >= 1 && o <= 8 {
				return o
			}
			return 1
		}
	}
	return 1
}

// upright turns and flips img as EXIF orientation o says it was taken.
func upright(img image.Image, o int) image.Image {
	if o <= 1 || o > 8 {
		return img
	}
	b := img.Bounds()
	src := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(src, src.Bounds(), img, b.Min, draw.Src)
	w, h := b.Dx(), b.Dy()
	ow, oh := w, h
	if o >= 5 { // the orientations that swap width and height
		ow, oh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, ow, oh))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var dx, dy int
			switch o {
			case 2: // mirrored
				dx, dy = w-1-x, y
			case 3: // upside down
				dx, dy = w-1-x, h-1-y
			case 4: // mirrored upside down
				dx, dy = x, h-1-y
			case 5: // mirrored, turned a quarter left
				dx, dy = y, x
			case 6: // turned a quarter left: turn right
				dx, dy = h-1-y, x
			case 7: // mirrored, turned a quarter right
				dx, dy = h-1-y, w-1-x
			case 8: // turned a quarter right: turn left
				dx, dy = y, w-1-x
			}
			si, di := src.PixOffset(x, y), dst.PixOffset(dx, dy)
			copy(dst.Pix[di:di+4], src.Pix[si:si+4])
		}
	}
	return dst
}

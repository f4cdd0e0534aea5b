package cases

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"

	"grassroots/internal/platform/errs"
)

// halves is a w×h picture, red on the left half and blue on the right.
func halves(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{R: 255, A: 255}
			if x >= w/2 {
				c = color.RGBA{B: 255, A: 255}
			}
			img.Set(x, y, c)
		}
	}
	return img
}

// exifJPEG encodes img as a JPEG with an APP1 Exif segment holding an
// orientation and a GPS directory whose processing method is gps.
func exifJPEG(t *testing.T, img image.Image, orientation int, gps string) []byte {
	t.Helper()
	var plain bytes.Buffer
	if err := jpeg.Encode(&plain, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	tiff := []byte("II*\x00")
	tiff = le.AppendUint32(tiff, 8)
	entry := func(b []byte, tag, typ uint16, count, value uint32) []byte {
		b = le.AppendUint16(b, tag)
		b = le.AppendUint16(b, typ)
		b = le.AppendUint32(b, count)
		return le.AppendUint32(b, value)
	}
	// IFD0 at 8: two entries (2 + 24 + 4 bytes), so the GPS IFD is at 38.
	tiff = le.AppendUint16(tiff, 2)
	tiff = entry(tiff, 0x0112, 3, 1, uint32(orientation))
	tiff = entry(tiff, 0x8825, 4, 1, 38)
	tiff = le.AppendUint32(tiff, 0)
	// GPS IFD at 38: one entry (2 + 12 + 4 bytes), its data at 56.
	tiff = le.AppendUint16(tiff, 1)
	tiff = entry(tiff, 0x001b, 7, uint32(len(gps)), 56)
	tiff = le.AppendUint32(tiff, 0)
	tiff = append(tiff, gps...)
	seg := append([]byte("Exif\x00\x00"), tiff...)
	app1 := []byte{0xff, 0xe1}
	app1 = binary.BigEndian.AppendUint16(app1, uint16(len(seg)+2))
	app1 = append(app1, seg...)
	b := plain.Bytes()
	return append(append(append([]byte{}, b[:2]...), app1...), b[2:]...)
}

func pngBytes(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pngHeader is a PNG signature and an IHDR chunk claiming w×h, and no
// image data.
func pngHeader(w, h uint32) []byte {
	ihdr := []byte("IHDR")
	ihdr = binary.BigEndian.AppendUint32(ihdr, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	b := []byte("\x89PNG\r\n\x1a\n")
	b = binary.BigEndian.AppendUint32(b, 13)
	b = append(b, ihdr...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(ihdr))
}

func ruleOf(err error) string {
	if err == nil {
		return ""
	}
	if fs := errs.As(err).Fields; len(fs) == 1 {
		return fs[0].Rule
	}
	return err.Error()
}

func TestCheckPhotoRefuses(t *testing.T) {
	for _, tt := range []struct {
		name string
		data []byte
		rule string
	}{
		{"ErrEmpty", nil, "rule.required"},
		{"ErrPNGHeaderThenHTML", append(pngHeader(16, 16), "<html><script>alert(1)</script></html>"...), "rule.photo_type"},
		{"ErrJPEGMagicThenHTML", []byte("\xff\xd8\xff\xe0<html><script>alert(1)</script></html>"), "rule.photo_type"},
		{"ErrHTML", []byte("<html><body>hi</body></html>"), "rule.photo_type"},
		{"ErrGIF", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "rule.photo_type"},
		{"ErrDecompressionBomb", pngHeader(20000, 20000), "rule.photo_pixels"},
		{"ErrTooBig", make([]byte, MaxPhotoBytes+1), "rule.photo_size"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CheckPhoto("photos", tt.data)
			if got := ruleOf(err); got != tt.rule {
				t.Errorf("rule %q, want %q", got, tt.rule)
			}
		})
	}
}

func TestCheckPhotoStripsEXIF(t *testing.T) {
	const gps = "28.6821N115.8579E"
	in := exifJPEG(t, halves(32, 16), 1, gps)
	if jpegOrientation(in) != 1 || !bytes.Contains(in, []byte(gps)) {
		t.Fatal("the fixture has no EXIF GPS block")
	}
	p, err := CheckPhoto("photos", in)
	if err != nil {
		t.Fatal(err)
	}
	if p.ContentType != "image/jpeg" {
		t.Errorf("content type %q, want image/jpeg", p.ContentType)
	}
	if bytes.Contains(p.Data, []byte("Exif")) || bytes.Contains(p.Data, []byte(gps)) || bytes.Contains(p.Data, []byte{0xff, 0xe1}) {
		t.Error("the stored photo still carries the EXIF block")
	}
	img, format, err := image.Decode(bytes.NewReader(p.Data))
	if err != nil || format != "jpeg" || img.Bounds().Dx() != 32 || img.Bounds().Dy() != 16 {
		t.Errorf("stored photo: %v %s %v", err, format, img.Bounds())
	}
}

func TestCheckPhotoTurnsUpright(t *testing.T) {
	// Orientation 6: the camera was turned a quarter, the viewer turns
	// the picture a quarter clockwise — red left becomes red on top.
	p, err := CheckPhoto("photos", exifJPEG(t, halves(32, 16), 6, "x"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(p.Data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 16 || b.Dy() != 32 {
		t.Fatalf("upright size %v, want 16×32", b)
	}
	top, bottom := img.At(8, 4), img.At(8, 28)
	if r, _, b, _ := top.RGBA(); r < 0x8000 || b > 0x8000 {
		t.Errorf("top is %v, want red", top)
	}
	if r, _, b, _ := bottom.RGBA(); r > 0x8000 || b < 0x8000 {
		t.Errorf("bottom is %v, want blue", bottom)
	}
}

func TestCheckPhotoPNG(t *testing.T) {
	// A real PNG with HTML after its end: the pixels are kept, the HTML not.
	in := append(pngBytes(t, halves(8, 8)), "<html><script>alert(1)</script></html>"...)
	p, err := CheckPhoto("photos", in)
	if err != nil {
		t.Fatal(err)
	}
	if p.ContentType != "image/png" || bytes.Contains(p.Data, []byte("<html>")) {
		t.Errorf("stored %s of %d bytes, with the HTML: %v", p.ContentType, len(p.Data), bytes.Contains(p.Data, []byte("<html>")))
	}
	if _, format, err := image.Decode(bytes.NewReader(p.Data)); err != nil || format != "png" {
		t.Errorf("stored photo: %v %s", err, format)
	}
}

// png16Header is pngHeader with a bit depth of 16.
func png16Header(w, h uint32) []byte {
	ihdr := []byte("IHDR")
	ihdr = binary.BigEndian.AppendUint32(ihdr, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 16, 6, 0, 0, 0)
	b := []byte("\x89PNG\r\n\x1a\n")
	b = binary.BigEndian.AppendUint32(b, 13)
	b = append(b, ihdr...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(ihdr))
}

// TestCheckPhotoBoundsMemory: a 16-bit picture is refused by the memory
// it would take decoded (6,300 × 6,300 × 8 bytes), though under the pixel
// limit; a large photo is stored scaled to MaxPhotoSide.
func TestCheckPhotoBoundsMemory(t *testing.T) {
	if _, err := CheckPhoto("photo", png16Header(6300, 6300)); errs.CodeOf(err) != errs.Invalid {
		t.Fatalf("a 317 MB 16-bit picture: %v", err)
	}
	var src bytes.Buffer
	if err := jpeg.Encode(&src, halves(3000, 2000), nil); err != nil {
		t.Fatal(err)
	}
	p, err := CheckPhoto("photo", src.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(p.Data))
	if err != nil || cfg.Width != MaxPhotoSide || cfg.Height != 1706 {
		t.Fatalf("stored %dx%d (%v), want %dx1706", cfg.Width, cfg.Height, err, MaxPhotoSide)
	}
}

// TestCheckPhotoAfterDeadline: once the request's deadline has passed no
// photo is decoded, even with a decoding slot free.
func TestCheckPhotoAfterDeadline(t *testing.T) {
	s := NewService(nil, Deps{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	data := pngBytes(t, halves(8, 8))
	for range 50 {
		if p, err := s.CheckPhoto(ctx, "photos", data); !errors.Is(err, context.Canceled) || p.Data != nil {
			t.Fatalf("a photo decoded after the deadline: %v (%d bytes)", err, len(p.Data))
		}
	}
	if _, err := s.CheckPhoto(context.Background(), "photos", data); err != nil {
		t.Fatalf("a photo within the deadline: %v", err)
	}
}

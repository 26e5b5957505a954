// Photo downscaling with real JPEG/PNG encoding and decoding (Qt's image plugins).
#include "app/photo/photo_downscale.h"

#include <gtest/gtest.h>

#include <QBuffer>
#include <QByteArray>
#include <QImage>
#include <QImageReader>
#include <QImageWriter>
#include <QPainter>
#include <cstdio>

namespace homevisit::photo {
namespace {

// A synthetic camera picture: sky-to-ground gradients, a house, and sensor noise, so the
// JPEG sizes are of the order of a real photo's rather than of a flat colour's.
QImage CameraPicture(int width, int height) {
  QImage img(width, height, QImage::Format_RGB32);
  uint32_t noise = 12345;
  for (int y = 0; y < height; ++y) {
    auto* line = reinterpret_cast<QRgb*>(img.scanLine(y));
    for (int x = 0; x < width; ++x) {
      noise = noise * 1103515245u + 12345u;
      const int n = static_cast<int>((noise >> 16) & 15) - 8;
      const bool sky = y < height / 2;
      const int r = (sky ? 120 : 90) + x * 60 / width + n;
      const int g = (sky ? 160 : 120) + y * 40 / height + n;
      const int b = (sky ? 220 : 60) - y * 30 / height + n;
      line[x] = qRgb(std::clamp(r, 0, 255), std::clamp(g, 0, 255), std::clamp(b, 0, 255));
    }
  }
  QPainter p(&img);
  p.fillRect(width / 4, height / 3, width / 3, height / 3, QColor(180, 150, 120));
  p.fillRect(width / 3, height / 2, width / 12, height / 6, QColor(80, 50, 30));
  p.end();
  return img;
}

std::string Encode(
    const QImage& img, const char* format, int quality = 95,
    QImageIOHandler::Transformations transform = QImageIOHandler::TransformationNone) {
  QByteArray out;
  QBuffer buf(&out);
  buf.open(QIODevice::WriteOnly);
  QImageWriter w(&buf, format);
  w.setQuality(quality);
  w.setTransformation(transform);
  EXPECT_TRUE(w.write(img)) << w.errorString().toStdString();
  return std::string(out.constData(), static_cast<size_t>(out.size()));
}

QImage Decode(const std::string& bytes, QByteArray* format = nullptr) {
  QByteArray data(bytes.data(), static_cast<qsizetype>(bytes.size()));
  QBuffer buf(&data);
  buf.open(QIODevice::ReadOnly);
  QImageReader r(&buf);
  if (format) *format = r.format();
  return r.read();
}

TEST(PhotoDownscale, ALandscapeCameraPhotoBecomes1600PixelsWideAndSmall) {
  const std::string original = Encode(CameraPicture(4000, 3000), "jpeg", 95);
  auto r = DownscalePhoto(original);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::printf("4000x3000 q95: %zu bytes -> 1600x1200 q80: %zu bytes\n", original.size(),
              r->jpeg.size());
  EXPECT_EQ(r->width, 1600);
  EXPECT_EQ(r->height, 1200);
  EXPECT_EQ(r->source_width, 4000);
  QByteArray format;
  const QImage back = Decode(r->jpeg, &format);
  EXPECT_EQ(format, "jpeg");
  EXPECT_EQ(back.size(), QSize(1600, 1200));
  EXPECT_LT(r->jpeg.size() * 4, original.size()) << "a downscaled photo should be much smaller";
}

TEST(PhotoDownscale, APortraitPhotoKeepsItsShape) {
  auto r = DownscalePhoto(Encode(CameraPicture(1500, 2000), "jpeg"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->width, 1200);
  EXPECT_EQ(r->height, 1600);
}

TEST(PhotoDownscale, APhotoTakenSidewaysComesOutUpright) {
  // The camera wrote a 2400x1200 frame plus "rotate 90°": the person saw 1200x2400.
  const std::string sideways =
      Encode(CameraPicture(2400, 1200), "jpeg", 90, QImageIOHandler::TransformationRotate90);
  auto r = DownscalePhoto(sideways);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->width, 800);
  EXPECT_EQ(r->height, 1600);
}

TEST(PhotoDownscale, ASmallPhotoIsNeverEnlarged) {
  auto r = DownscalePhoto(Encode(CameraPicture(640, 480), "jpeg"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->width, 640);
  EXPECT_EQ(r->height, 480);
}

TEST(PhotoDownscale, SideAndQualityAreConfigurable) {
  const std::string original = Encode(CameraPicture(3000, 2000), "jpeg");
  DownscaleOptions small;
  small.longest_side_px = 1024;
  small.jpeg_quality = 50;
  auto low = DownscalePhoto(original, small);
  small.jpeg_quality = 95;
  auto high = DownscalePhoto(original, small);
  ASSERT_TRUE(low.ok() && high.ok());
  EXPECT_EQ(low->width, 1024);
  EXPECT_EQ(low->height, 683);
  EXPECT_LT(low->jpeg.size(), high->jpeg.size()) << "lower quality, fewer bytes";
  DownscaleOptions bad;
  bad.jpeg_quality = 0;
  EXPECT_EQ(DownscalePhoto(original, bad).status().code(), StatusCode::kInvalidArgument);
  bad = {};
  bad.longest_side_px = 10;
  EXPECT_EQ(DownscalePhoto(original, bad).status().code(), StatusCode::kInvalidArgument);
}

TEST(PhotoDownscale, ATransparentSignatureBecomesAJpegOnWhite) {
  QImage signature(600, 200, QImage::Format_ARGB32);
  signature.fill(Qt::transparent);
  QPainter p(&signature);
  p.setPen(QPen(Qt::black, 4));
  p.drawLine(20, 150, 580, 40);
  p.end();
  auto r = DownscalePhoto(Encode(signature, "png"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const QImage back = Decode(r->jpeg);
  ASSERT_FALSE(back.isNull());
  EXPECT_GT(qGray(back.pixel(580, 190)), 240) << "the transparent background is white";
  EXPECT_LT(qGray(back.pixel(300, 95)), 100) << "the stroke is still there";
}

TEST(PhotoDownscale, BadInputIsRefusedWithAClearError) {
  EXPECT_EQ(DownscalePhoto("").status().code(), StatusCode::kInvalidArgument);
  auto junk = DownscalePhoto("this is not a picture at all, just text");
  EXPECT_EQ(junk.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(junk.status().message().find("JPEG"), std::string::npos);
  std::string truncated = Encode(CameraPicture(800, 600), "jpeg");
  truncated.resize(200);
  EXPECT_FALSE(DownscalePhoto(truncated).ok());

  const std::string photo = Encode(CameraPicture(300, 300), "jpeg");
  DownscaleOptions limits;
  limits.max_input_bytes = photo.size() - 1;
  EXPECT_EQ(DownscalePhoto(photo, limits).status().code(), StatusCode::kResourceExhausted);
  limits = {};
  limits.max_input_pixels = 300 * 300 - 1;
  EXPECT_EQ(DownscalePhoto(photo, limits).status().code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace homevisit::photo

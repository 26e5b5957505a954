#include "app/photo/photo_downscale.h"

#include <QBuffer>
#include <QByteArray>
#include <QImage>
#include <QImageReader>
#include <QImageWriter>
#include <QPainter>

namespace homevisit::photo {
namespace {

// The size that fits `source` within `longest` on its longest side, keeping its shape.
QSize FitWithin(QSize source, int longest) {
  const int side = std::max(source.width(), source.height());
  if (side <= longest) return source;
  const double scale = static_cast<double>(longest) / side;
  return {std::max(1, static_cast<int>(source.width() * scale + 0.5)),
          std::max(1, static_cast<int>(source.height() * scale + 0.5))};
}

Status CheckOptions(const DownscaleOptions& o) {
  if (o.longest_side_px < 64 || o.longest_side_px > 10'000) {
    return InvalidArgument("the longest side must be 64 to 10000 pixels");
  }
  if (o.jpeg_quality < 1 || o.jpeg_quality > 100) {
    return InvalidArgument("the JPEG quality must be 1 to 100");
  }
  return Status::Ok();
}

}  // namespace

Result<DownscaledPhoto> DownscalePhoto(std::string_view encoded, const DownscaleOptions& options) {
  if (Status s = CheckOptions(options); !s.ok()) return s;
  if (encoded.empty()) return InvalidArgument("the photo is empty");
  if (encoded.size() > options.max_input_bytes) {
    return Status(StatusCode::kResourceExhausted,
                  "the photo has " + std::to_string(encoded.size()) + " bytes; at most " +
                      std::to_string(options.max_input_bytes) + " are accepted");
  }
  QByteArray bytes =
      QByteArray::fromRawData(encoded.data(), static_cast<qsizetype>(encoded.size()));
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::ReadOnly);
  QImageReader reader(&buffer);
  reader.setAutoTransform(true);  // phones store portrait shots sideways plus an EXIF tag
  const QSize source = reader.size();
  if (!reader.canRead() || !source.isValid()) {
    return InvalidArgument("not a photo this device can read (JPEG or PNG expected)");
  }
  if (static_cast<int64_t>(source.width()) * source.height() > options.max_input_pixels) {
    return Status(StatusCode::kResourceExhausted,
                  "the photo has " + std::to_string(source.width()) + "x" +
                      std::to_string(source.height()) + " pixels, more than accepted");
  }
  // Decoding straight to the target size lets the JPEG decoder skip most of the work.
  const QSize target = FitWithin(source, options.longest_side_px);
  if (target != source) reader.setScaledSize(target);
  QImage image = reader.read();
  if (image.isNull()) {
    return InvalidArgument("the photo could not be decoded: " + reader.errorString().toStdString());
  }
  if (image.hasAlphaChannel()) {
    QImage flat(image.size(), QImage::Format_RGB32);
    flat.fill(Qt::white);
    QPainter painter(&flat);
    painter.drawImage(0, 0, image);
    painter.end();
    image = flat;
  }
  QByteArray out;
  QBuffer sink(&out);
  sink.open(QIODevice::WriteOnly);
  QImageWriter writer(&sink, "jpeg");
  writer.setQuality(options.jpeg_quality);
  writer.setOptimizedWrite(true);
  if (!writer.write(image)) {
    return Internal("the photo could not be encoded as JPEG: " +
                    writer.errorString().toStdString());
  }
  DownscaledPhoto result;
  result.jpeg.assign(out.constData(), static_cast<size_t>(out.size()));
  result.width = image.width();
  result.height = image.height();
  result.source_width = source.width();
  result.source_height = source.height();
  return result;
}

}  // namespace homevisit::photo

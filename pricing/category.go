package pricing

// Category groups models for the bot's menus. The set is closed: the build
// and the audit reject anything else, so a menu never shows an unlabelled
// button.
type Category string

// The categories, in menu order.
const (
	TextToImage  Category = "text-to-image"
	ImageToImage Category = "image-to-image"
	TextToVideo  Category = "text-to-video"
	ImageToVideo Category = "image-to-video"
	VideoToVideo Category = "video-to-video"
	LipSync      Category = "lip-sync"
	Upscale      Category = "upscale"
	Audio        Category = "audio"
)

// Label is a display text in Russian and English.
type Label struct {
	RU string `json:"ru"`
	EN string `json:"en"`
}

// In returns the text for a language code ("ru", "en"); anything but "en"
// gets Russian, the bot's primary language.
func (l Label) In(lang string) string {
	if lang == "en" {
		return l.EN
	}
	return l.RU
}

// Categories lists every category in menu order.
func Categories() []Category {
	return []Category{TextToImage, ImageToImage, TextToVideo, ImageToVideo, VideoToVideo, LipSync, Upscale, Audio}
}

// Valid reports whether c is one of the closed set.
func (c Category) Valid() bool { return c.Label() != (Label{}) }

// Label returns the category's display names (zero for an unknown one).
// A switch rather than a map keeps the table immutable.
func (c Category) Label() Label {
	switch c {
	case TextToImage:
		return Label{RU: "Картинка по тексту", EN: "Text to image"}
	case ImageToImage:
		return Label{RU: "Редактирование картинок", EN: "Image editing"}
	case TextToVideo:
		return Label{RU: "Видео по тексту", EN: "Text to video"}
	case ImageToVideo:
		return Label{RU: "Видео из картинки", EN: "Image to video"}
	case VideoToVideo:
		return Label{RU: "Обработка видео", EN: "Video to video"}
	case LipSync:
		return Label{RU: "Говорящий аватар", EN: "Lip sync"}
	case Upscale:
		return Label{RU: "Улучшение качества", EN: "Upscale"}
	case Audio:
		return Label{RU: "Звук и музыка", EN: "Audio"}
	}
	return Label{}
}

// Media is the kind of a model's output or of a file input.
type Media string

// The media kinds. Only image, video and audio outputs can be delivered.
const (
	MediaImage Media = "image"
	MediaVideo Media = "video"
	MediaAudio Media = "audio"
	MediaText  Media = "text"
	MediaOther Media = "other"
)

// Valid reports whether m is a known media kind.
func (m Media) Valid() bool {
	switch m {
	case MediaImage, MediaVideo, MediaAudio, MediaText, MediaOther:
		return true
	}
	return false
}

// Deliverable reports whether the bot can send this output to a user as a
// file (Kie returns resultUrls for these; text models return an object).
func (m Media) Deliverable() bool {
	return m == MediaImage || m == MediaVideo || m == MediaAudio
}

// fileMedia reports whether m may be the media type of a file input.
func (m Media) fileMedia() bool { return m.Deliverable() }

package fsm

import (
	"strings"
	"unicode"
)

// fieldLabels names the registry's input fields for users, [RU, EN]. A
// field missing here is shown by its schema name made readable, so a new
// model never breaks a screen; a test lists the enabled models' fields
// that lack a label.
var fieldLabels = map[string][2]string{
	"prompt":                  {"Описание (промпт)", "Prompt"},
	"negative_prompt":         {"Чего избегать", "Negative prompt"},
	"aspect_ratio":            {"Формат кадра", "Aspect ratio"},
	"image_size":              {"Размер изображения", "Image size"},
	"resolution":              {"Разрешение", "Resolution"},
	"duration":                {"Длительность", "Duration"},
	"n_frames":                {"Длительность", "Duration"},
	"quality":                 {"Качество", "Quality"},
	"size":                    {"Качество", "Quality"},
	"rendering_speed":         {"Режим отрисовки", "Rendering mode"},
	"style":                   {"Стиль", "Style"},
	"seed":                    {"Зерно (seed)", "Seed"},
	"guidance_scale":          {"Следование промпту", "Guidance scale"},
	"cfg_scale":               {"Следование промпту", "CFG scale"},
	"strength":                {"Сила изменений", "Strength"},
	"num_inference_steps":     {"Число шагов", "Inference steps"},
	"output_format":           {"Формат файла", "File format"},
	"acceleration":            {"Ускорение", "Acceleration"},
	"enable_safety_checker":   {"Фильтр безопасности", "Safety checker"},
	"expand_prompt":           {"Улучшить промпт", "Expand prompt"},
	"enable_prompt_expansion": {"Улучшить промпт", "Expand prompt"},
	"prompt_optimizer":        {"Улучшить промпт", "Optimise prompt"},
	"camera_fixed":            {"Неподвижная камера", "Fixed camera"},
	"sound":                   {"Со звуком", "With sound"},
	"remove_watermark":        {"Убрать водяной знак", "Remove watermark"},
	"multi_shots":             {"Несколько планов", "Multiple shots"},
	"image":                   {"Изображение", "Image"},
	"image_url":               {"Изображение", "Image"},
	"image_urls":              {"Изображения", "Images"},
	"input_urls":              {"Изображения", "Images"},
	"image_input":             {"Изображение-образец", "Reference image"},
	"reference_image_urls":    {"Фото персонажа", "Character reference"},
	"reference_mask_urls":     {"Маска персонажа", "Character mask"},
	"mask_url":                {"Маска (что перерисовать)", "Mask (area to repaint)"},
	"end_image_url":           {"Последний кадр", "Last frame"},
	"tail_image_url":          {"Последний кадр", "Last frame"},
	"video_url":               {"Ссылка на видео", "Video link"},
	"video_urls":              {"Видео", "Video"},
	"audio_url":               {"Аудио", "Audio"},
	"text":                    {"Текст", "Text"},
	"voice":                   {"Голос", "Voice"},
	"title":                   {"Название", "Title"},
	"instrumental":            {"Без вокала", "Instrumental"},
	"customMode":              {"Свой текст песни, стиль и название", "Own lyrics, style and title"},
	"vocalGender":             {"Голос вокала", "Vocal voice"},
	"negativeTags":            {"Каких стилей избегать", "Styles to avoid"},
	"loop":                    {"Зациклить звук", "Loop the sound"},
}

// fieldLabel is how a field is named on screens.
func fieldLabel(lang Lang, name string) string {
	if pair, ok := fieldLabels[name]; ok {
		if lang == EN {
			return pair[1]
		}
		return pair[0]
	}
	return readable(name)
}

// readable turns "num_images" or "negativeTags" into "Num images",
// "Negative tags".
func readable(name string) string {
	var b strings.Builder
	for i, r := range name {
		switch {
		case r == '_' || r == '-':
			b.WriteRune(' ')
		case unicode.IsUpper(r) && i > 0:
			b.WriteRune(' ')
			b.WriteRune(unicode.ToLower(r))
		case i == 0:
			b.WriteRune(unicode.ToUpper(r))
		default:
			b.WriteRune(r)
		}
	}
	return cutRunes(b.String(), 40)
}

// valueLabels names enum values that are words, [RU, EN]; numbers, ratios
// and resolutions are shown as they are.
var valueLabels = map[string][2]string{
	"portrait":       {"Вертикальный", "Portrait"},
	"landscape":      {"Горизонтальный", "Landscape"},
	"square":         {"Квадрат", "Square"},
	"square_hd":      {"Квадрат HD", "Square HD"},
	"portrait_4_3":   {"Вертикальный 3:4", "Portrait 3:4"},
	"portrait_16_9":  {"Вертикальный 9:16", "Portrait 9:16"},
	"landscape_4_3":  {"Горизонтальный 4:3", "Landscape 4:3"},
	"landscape_16_9": {"Горизонтальный 16:9", "Landscape 16:9"},
	"auto":           {"Авто", "Auto"},
	"none":           {"Нет", "None"},
	"regular":        {"Обычное", "Regular"},
	"high":           {"Высокое", "High"},
	"basic":          {"Базовое", "Basic"},
	"standard":       {"Стандартное", "Standard"},
	"TURBO":          {"Быстрый", "Turbo"},
	"BALANCED":       {"Сбалансированный", "Balanced"},
	"QUALITY":        {"Качественный", "Quality"},
	"AUTO":           {"Авто", "Auto"},
	"GENERAL":        {"Общий", "General"},
	"REALISTIC":      {"Реалистичный", "Realistic"},
	"DESIGN":         {"Дизайн", "Design"},
	"FICTION":        {"Фантазийный", "Fiction"},
	"m":              {"Мужской", "Male"},
	"f":              {"Женский", "Female"},
	"mp3_44100_128":  {"MP3", "MP3"},
}

func valueLabel(lang Lang, v string) (string, bool) {
	pair, ok := valueLabels[v]
	if !ok {
		return "", false
	}
	if lang == EN {
		return pair[1], true
	}
	return pair[0], true
}

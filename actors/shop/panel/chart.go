package panel

import (
	"fmt"
	"strings"

	"github.com/kiebot/kiebot/store"
)

// chart is the dashboard's picture of the last 30 days, drawn on the
// server as SVG: revenue per day as bars (left scale, roubles), jobs
// created per day as a line (right scale).
type chart struct {
	Width, Height  int
	Bars           []bar
	Line           string // SVG polyline points
	Dots           []dot
	MaxRevenue     int64 // kopecks at the top of the left scale
	MaxJobs        int
	Labels         []label
	PlotTop, PlotB int // plot area's top and bottom
}

type bar struct {
	X, Y, W, H float64
	Title      string
}

type dot struct {
	X, Y  float64
	Title string
}

type label struct {
	X    float64
	Text string
}

const (
	chartW, chartH = 720, 240
	padL, padR     = 56, 40
	padT, padB     = 16, 28
)

func chartOf(days []store.Day) chart {
	c := chart{Width: chartW, Height: chartH, PlotTop: padT, PlotB: chartH - padB}
	if len(days) == 0 {
		return c
	}
	for _, d := range days {
		c.MaxRevenue = max(c.MaxRevenue, d.Revenue)
		c.MaxJobs = max(c.MaxJobs, d.Jobs)
	}
	c.MaxRevenue = niceCeil(c.MaxRevenue, 100) // at least 1 ₽
	c.MaxJobs = int(niceCeil(int64(c.MaxJobs), 1))
	plotW := float64(chartW - padL - padR)
	plotH := float64(chartH - padT - padB)
	step := plotW / float64(len(days))
	var pts []string
	for i, d := range days {
		x := float64(padL) + step*float64(i)
		h := plotH * float64(d.Revenue) / float64(c.MaxRevenue)
		day := d.Day.Format("02.01")
		c.Bars = append(c.Bars, bar{X: x + step*0.15, Y: float64(padT) + plotH - h, W: step * 0.7, H: h,
			Title: fmt.Sprintf("%s: %s", day, rub(d.Revenue))})
		cx := x + step/2
		cy := float64(padT) + plotH - plotH*float64(d.Jobs)/float64(c.MaxJobs)
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", cx, cy))
		c.Dots = append(c.Dots, dot{X: cx, Y: cy, Title: fmt.Sprintf("%s: %d", day, d.Jobs)})
		if i%5 == 0 || i == len(days)-1 {
			c.Labels = append(c.Labels, label{X: cx, Text: day})
		}
	}
	c.Line = strings.Join(pts, " ")
	return c
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten (at least least).
func niceCeil(v, least int64) int64 {
	v = max(v, least)
	p := int64(1)
	for p*10 <= v {
		p *= 10
	}
	for _, m := range []int64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

package kie

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Config configures a Client. Zero fields take the documented defaults.
type Config struct {
	// APIKey is the Kie API key (required). It travels only in the
	// Authorization header and is masked out of every error and log line.
	APIKey string
	// BaseURL is the API host. Default https://api.kie.ai.
	BaseURL string
	// UploadBaseURL is the file-upload host. Default https://kieai.redpandaai.co.
	UploadBaseURL string
	// HTTPClient sends the requests. Default: a new http.Client without an
	// overall timeout (the per-attempt timeouts below apply).
	HTTPClient *http.Client
	// Logger gets a Debug line per request and an Error line per retry.
	// Default: discard.
	Logger *slog.Logger

	// RequestTimeout bounds one attempt of a JSON call. Default 60 s.
	RequestTimeout time.Duration
	// UploadTimeout bounds one attempt of an upload. Default 300 s.
	UploadTimeout time.Duration

	// ReadRetry governs reads and uploads (see the package doc). Default 4
	// attempts, backoff from 500 ms doubling up to 8 s.
	ReadRetry RetryPolicy
	// CreateRetry governs createTask when Kie certainly refused it (429,
	// 455, no connection). Default 3 attempts, from 1 s up to 8 s.
	CreateRetry RetryPolicy

	// CreateTaskLimit and CreateTaskWindow: at most CreateTaskLimit
	// createTask requests in any CreateTaskWindow. Default 20 per 11 s
	// (Kie allows 20 per 10 s; the extra second absorbs network jitter).
	CreateTaskLimit  int
	CreateTaskWindow time.Duration
	// CatalogueInterval spaces catalogue calls (models, schema, price),
	// which Kie limits to 1 request/s per account. Default 1 s.
	CatalogueInterval time.Duration
}

// RetryPolicy is an exponential backoff with jitter: the n-th retry waits a
// random time between half and all of min(BaseDelay·2ⁿ⁻¹, MaxDelay).
type RetryPolicy struct {
	// Attempts is the total number of tries, the first included; 1 turns
	// retries off.
	Attempts  int
	BaseDelay time.Duration
	MaxDelay  time.Duration
}

func (p RetryPolicy) withDefaults(def RetryPolicy) RetryPolicy {
	return RetryPolicy{
		Attempts:  cmp.Or(p.Attempts, def.Attempts),
		BaseDelay: cmp.Or(p.BaseDelay, def.BaseDelay),
		MaxDelay:  cmp.Or(p.MaxDelay, def.MaxDelay),
	}
}

func (p RetryPolicy) validate(name string) error {
	var errs []error
	if p.Attempts < 0 {
		errs = append(errs, fmt.Errorf("%s.Attempts must not be negative", name))
	}
	if p.BaseDelay < 0 || p.MaxDelay < 0 {
		errs = append(errs, fmt.Errorf("%s delays must not be negative", name))
	}
	if p.MaxDelay > 0 && p.BaseDelay > p.MaxDelay {
		errs = append(errs, fmt.Errorf("%s.BaseDelay cannot exceed MaxDelay", name))
	}
	return errors.Join(errs...)
}

// Defaults used by New.
const (
	DefaultBaseURL       = "https://api.kie.ai"
	DefaultUploadBaseURL = "https://kieai.redpandaai.co"
)

func (cfg Config) withDefaults() Config {
	cfg.BaseURL = strings.TrimRight(cmp.Or(cfg.BaseURL, DefaultBaseURL), "/")
	cfg.UploadBaseURL = strings.TrimRight(cmp.Or(cfg.UploadBaseURL, DefaultUploadBaseURL), "/")
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.RequestTimeout = cmp.Or(cfg.RequestTimeout, 60*time.Second)
	cfg.UploadTimeout = cmp.Or(cfg.UploadTimeout, 300*time.Second)
	cfg.ReadRetry = cfg.ReadRetry.withDefaults(RetryPolicy{Attempts: 4, BaseDelay: 500 * time.Millisecond, MaxDelay: 8 * time.Second})
	cfg.CreateRetry = cfg.CreateRetry.withDefaults(RetryPolicy{Attempts: 3, BaseDelay: time.Second, MaxDelay: 8 * time.Second})
	cfg.CreateTaskLimit = cmp.Or(cfg.CreateTaskLimit, 20)
	cfg.CreateTaskWindow = cmp.Or(cfg.CreateTaskWindow, 11*time.Second)
	cfg.CatalogueInterval = cmp.Or(cfg.CatalogueInterval, time.Second)
	return cfg
}

func (cfg Config) validate() error {
	var errs []error
	switch {
	case cfg.APIKey == "":
		errs = append(errs, errors.New("APIKey is required (set KIE_API_KEY)"))
	case strings.ContainsAny(cfg.APIKey, " \t\r\n"):
		errs = append(errs, errors.New("APIKey must not contain whitespace"))
	}
	for _, u := range []struct{ name, val string }{{"BaseURL", cfg.BaseURL}, {"UploadBaseURL", cfg.UploadBaseURL}} {
		p, err := url.Parse(u.val)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.RawQuery != "" || p.Fragment != "" {
			errs = append(errs, fmt.Errorf("%s %q must be an absolute http(s) URL without query", u.name, u.val))
		}
	}
	if cfg.RequestTimeout < 0 || cfg.UploadTimeout < 0 {
		errs = append(errs, errors.New("timeouts must not be negative"))
	}
	if cfg.CreateTaskLimit < 0 || cfg.CreateTaskWindow < 0 {
		errs = append(errs, errors.New("CreateTaskLimit and CreateTaskWindow must not be negative"))
	}
	if cfg.CatalogueInterval < 0 {
		errs = append(errs, errors.New("CatalogueInterval must not be negative"))
	}
	errs = append(errs, cfg.ReadRetry.validate("ReadRetry"), cfg.CreateRetry.validate("CreateRetry"))
	return errors.Join(errs...)
}

// New validates cfg and returns a Client. The caller's Config is not
// modified.
func New(cfg Config) (*Client, error) {
	cfg = cfg.withDefaults() // a copy: cfg is a value
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("kie config: %w", err)
	}
	return &Client{
		cfg:       cfg,
		log:       cfg.Logger.With("component", "kie.Client"),
		createLim: newWindowLimiter(cfg.CreateTaskLimit, cfg.CreateTaskWindow),
		catLim:    rate.NewLimiter(rate.Every(cfg.CatalogueInterval), 1),
	}, nil
}

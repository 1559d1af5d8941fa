package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.temporal.io/sdk/client"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"

	"rectify/internal/items"
	"rectify/internal/notify"
)

// metrics is what /metrics shows: this process's Go runtime, its HTTP requests, the Temporal
// SDK's client and worker metrics, and the domain's gauges read from the database when
// scraped.
type metrics struct {
	registry *prometheus.Registry
	// temporal is the SDK's metrics handler, set on the client (and so on its workers).
	temporal client.MetricsHandler
	provider *sdkmetric.MeterProvider
}

// newMetrics makes the registry with the runtime's collectors and the Temporal SDK's meter
// exported to it through OpenTelemetry.
func newMetrics() (*metrics, error) {
	reg := prometheus.NewRegistry()
	if err := reg.Register(collectors.NewGoCollector()); err != nil {
		return nil, err
	}
	if err := reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return nil, err
	}
	exporter, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, fmt.Errorf("opentelemetry prometheus exporter: %w", err)
	}
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	handler := temporalotel.NewMetricsHandler(temporalotel.MetricsHandlerOptions{
		Meter: provider.Meter("temporal-sdk-go"),
		// The default panics; a metric the meter refuses is not worth a process.
		OnError: func(err error) { slog.Warn("temporal metrics", "error", err) },
	})
	return &metrics{registry: reg, temporal: handler, provider: provider}, nil
}

// close stops the meter provider.
func (m *metrics) close() {
	_ = m.provider.Shutdown(context.Background())
}

// domainScrapeTimeout bounds the database reads of one scrape.
const domainScrapeTimeout = 5 * time.Second

// domainCollector reads the domain's gauges from the database when /metrics is scraped, so
// nothing runs between scrapes and each scrape is as fresh as the dashboard.
type domainCollector struct {
	items    *items.Store
	notify   *notify.Store
	itemsBy  *prometheus.Desc
	delivery *prometheus.Desc
	waiting  *prometheus.Desc
}

func newDomainCollector(is *items.Store, ns *notify.Store) *domainCollector {
	return &domainCollector{items: is, notify: ns,
		itemsBy:  prometheus.NewDesc("rectify_items", "Items by state and warning light (the dashboard counts).", []string{"state", "light"}, nil),
		delivery: prometheus.NewDesc("rectify_deliveries", "Reminder and bulletin deliveries by channel and status.", []string{"channel", "status"}, nil),
		waiting:  prometheus.NewDesc("rectify_notices_waiting", "Reminders queued and held for their send window.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *domainCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.itemsBy
	ch <- c.delivery
	ch <- c.waiting
}

// Collect implements prometheus.Collector: a read that fails shows as that series' error on
// the scrape, the others still answer.
func (c *domainCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), domainScrapeTimeout)
	defer cancel()
	if counts, err := c.items.CountsByStateAndLight(ctx); err != nil {
		ch <- prometheus.NewInvalidMetric(c.itemsBy, err)
	} else {
		for _, n := range counts {
			ch <- prometheus.MustNewConstMetric(c.itemsBy, prometheus.GaugeValue, float64(n.N), n.State, n.Light)
		}
	}
	if counts, err := c.notify.DeliveryCounts(ctx); err != nil {
		ch <- prometheus.NewInvalidMetric(c.delivery, err)
	} else {
		for _, n := range counts {
			ch <- prometheus.MustNewConstMetric(c.delivery, prometheus.GaugeValue, float64(n.N), string(n.Channel), string(n.Status))
		}
	}
	if n, err := c.items.NoticesWaiting(ctx); err != nil {
		ch <- prometheus.NewInvalidMetric(c.waiting, err)
	} else {
		ch <- prometheus.MustNewConstMetric(c.waiting, prometheus.GaugeValue, float64(n))
	}
}

// metricsHandler serves the registry in Prometheus's text format.
func (s *System) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{ErrorLog: slogPromLogger{}, ErrorHandling: promhttp.ContinueOnError})
}

type slogPromLogger struct{}

func (slogPromLogger) Println(v ...any) { slog.Warn("metrics", "error", fmt.Sprint(v...)) }

// readyTimeout bounds each check of /readyz: a load balancer asks often and must hear soon.
const readyTimeout = 2 * time.Second

// Readiness is /readyz's answer: ready, or which of PostgreSQL and Temporal failed and how.
type Readiness struct {
	Ready  bool              `json:"ready"`
	Failed []string          `json:"failed"`
	Errors map[string]string `json:"errors,omitempty"`
}

// Ready checks PostgreSQL (a ping) and Temporal (its health check), each within readyTimeout.
func (s *System) Ready(ctx context.Context) Readiness {
	r := Readiness{Failed: []string{}}
	check := func(name string, f func(context.Context) error) {
		cctx, cancel := context.WithTimeout(ctx, readyTimeout)
		defer cancel()
		if err := f(cctx); err != nil {
			r.Failed = append(r.Failed, name)
			if r.Errors == nil {
				r.Errors = map[string]string{}
			}
			r.Errors[name] = err.Error()
		}
	}
	check("postgres", s.Pool.Ping)
	check("temporal", func(ctx context.Context) error {
		_, err := s.Temporal.CheckHealth(ctx, &client.CheckHealthRequest{})
		return err
	})
	r.Ready = len(r.Failed) == 0
	return r
}

// readyz answers 200 when ready, 503 naming what failed otherwise.
func (s *System) readyz(w http.ResponseWriter, r *http.Request) {
	rd := s.Ready(r.Context())
	status := http.StatusOK
	if !rd.Ready {
		status = http.StatusServiceUnavailable
		slog.WarnContext(r.Context(), "not ready", "failed", rd.Failed, "errors", rd.Errors)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(rd)
}

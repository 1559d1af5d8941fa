// The leader's dashboard draws its two charts with ECharts from the figures the page carries
// as JSON (script#dashboard-data); the tables beside them hold the same numbers, so the page
// reads the same without this script. Colours come from the stylesheet's custom properties,
// so a chart's red is the badges' red. Each chart marks itself with the milliseconds since
// navigation began when its first frame was drawn (data-shown) and when its drawing, with
// its animation, finished (data-drawn).
(function () {
  'use strict';
  var data = document.getElementById('dashboard-data');
  if (!data || !window.echarts) {
    return;
  }
  var d = JSON.parse(data.textContent);
  var css = getComputedStyle(document.documentElement);
  var colour = function (name) { return css.getPropertyValue('--' + name).trim(); };
  var ink = colour('ink'), muted = colour('muted'), line = colour('line');
  var still = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  var charts = [];
  var font = {fontSize: 14, color: ink};

  function draw(id, height, option, go) {
    var el = document.getElementById(id);
    if (!el) {
      return;
    }
    el.style.height = height + 'px';
    var chart = echarts.init(el, null, {renderer: 'canvas'});
    chart.on('rendered', function () {
      if (!el.dataset.shown) {
        el.dataset.shown = String(Math.round(performance.now()));
      }
    });
    chart.on('finished', function () {
      if (!el.dataset.drawn) {
        el.dataset.drawn = String(Math.round(performance.now()));
      }
    });
    option.animation = !still;
    option.textStyle = {fontFamily: getComputedStyle(document.body).fontFamily};
    chart.setOption(option);
    if (go) {
      chart.on('click', go);
    }
    charts.push(chart);
  }

  // Lights by unit: a bar per unit, red, yellow and green stacked; a tap on a bar or a
  // unit's name opens that unit's dashboard.
  var lights = d.lights;
  draw('chart-lights', 72 + 40 * Math.max(lights.units.length, 1), {
    legend: {top: 0, left: 0, itemGap: 16, textStyle: font, selectedMode: false},
    grid: {left: 4, right: 16, top: 36, bottom: 4, containLabel: true},
    xAxis: {type: 'value', minInterval: 1, axisLabel: {color: muted}, splitLine: {lineStyle: {color: line}}},
    yAxis: {type: 'category', inverse: true, data: lights.units, triggerEvent: true,
      axisLabel: {fontSize: 14, color: ink, width: 96, overflow: 'truncate'}},
    series: lights.series.map(function (s) {
      return {name: s.name, type: 'bar', stack: 'lights', data: s.data, barMaxWidth: 28,
        itemStyle: {color: colour(s.colour)},
        label: {show: true, fontSize: 13, color: s.colour === 'yellow' ? ink : '#fff',
          formatter: function (p) { return p.value ? String(p.value) : ''; }}};
    })
  }, function (p) {
    var i = p.componentType === 'yAxis' ? lights.units.indexOf(p.value) : p.dataIndex;
    if (lights.urls[i]) {
      window.location.assign(lights.urls[i]);
    }
  });

  // Close-outs per week, this week last.
  var weeks = d.weeks;
  draw('chart-weeks', 220, {
    grid: {left: 4, right: 16, top: 24, bottom: 4, containLabel: true},
    xAxis: {type: 'category', data: weeks.labels, boundaryGap: false, axisLabel: {color: muted}},
    yAxis: {type: 'value', minInterval: 1, axisLabel: {color: muted}, splitLine: {lineStyle: {color: line}}},
    series: [{name: weeks.name, type: 'line', data: weeks.data, symbolSize: 8,
      itemStyle: {color: colour('link')}, lineStyle: {width: 3, color: colour('link')},
      label: {show: true, color: ink, formatter: function (p) { return p.value ? String(p.value) : ''; }}}]
  });

  window.addEventListener('resize', function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();

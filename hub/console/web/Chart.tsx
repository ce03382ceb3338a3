import { useEffect, useRef } from 'react';
import { init, use, type EChartsType } from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

// Only the parts used: bar (also for histograms) and line, on canvas.
use([BarChart, LineChart, GridComponent, TooltipComponent, LegendComponent, AriaComponent, CanvasRenderer]);

export interface ChartSpec {
  readonly type: 'bar' | 'line' | 'histogram';
  readonly categories: readonly string[];
  readonly series: readonly { readonly name: string; readonly values: readonly (number | null)[] }[];
  readonly label: string;
}

const PALETTE = ['#1a56b8', '#17693b', '#b3400a', '#6b4fb3', '#3b4657'];

export function Chart(p: { spec: ChartSpec; testId?: string }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);
  useEffect(() => {
    if (!el.current) return;
    const c = init(el.current, undefined, { renderer: 'canvas' });
    chart.current = c;
    const onResize = () => c.resize();
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      c.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    const s = p.spec;
    chart.current?.setOption(
      {
        animation: false,
        color: PALETTE,
        aria: { enabled: true },
        tooltip: { trigger: 'axis' },
        legend: s.series.length > 1 ? { top: 0 } : undefined,
        grid: { left: 48, right: 16, top: s.series.length > 1 ? 32 : 16, bottom: 48, containLabel: true },
        xAxis: { type: 'category', data: [...s.categories], axisLabel: { interval: 0, rotate: s.categories.length > 8 ? 30 : 0 } },
        yAxis: { type: 'value' },
        series: s.series.map((x) => ({ name: x.name, type: s.type === 'line' ? 'line' : 'bar', data: [...x.values], barCategoryGap: s.type === 'histogram' ? '2%' : '30%' })),
      },
      true,
    );
  }, [p.spec]);
  return <div ref={el} className="chart" role="img" aria-label={p.spec.label} data-testid={p.testId} />;
}

// The 90-day balance as an inline SVG (attributes only: no inline style, CSP-safe).
import type { BalancePoint } from '../stores/journals';
import { useI18n } from '../i18n';

const W = 320;
const H = 80;
const PAD = 4;

export function BalanceChart({ points, currency }: { points: BalancePoint[] | undefined; currency: string }) {
  const { t, money, date } = useI18n();
  if (!points || points.length < 2) return <p className="chart-empty">{points ? t('dash.chartEmpty') : t('common.loading')}</p>;
  const values = points.map((p) => p.balance);
  const min = Math.min(...values);
  const max = Math.max(...values);
  // The labels show the API's decimal text of the lowest and highest points: no rescaling.
  const minText = points.find((p) => p.balance === min)!.balance_decimal;
  const maxText = points.find((p) => p.balance === max)!.balance_decimal;
  const span = max - min || 1;
  const x = (i: number) => PAD + (i * (W - 2 * PAD)) / (points.length - 1);
  const y = (v: number) => H - PAD - ((v - min) * (H - 2 * PAD)) / span;
  const line = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(p.balance).toFixed(1)}`).join(' ');
  const area = `${line} L${x(points.length - 1).toFixed(1)},${H - PAD} L${PAD},${H - PAD} Z`;
  const zero = min < 0 && max > 0 ? y(0) : null;
  const label = `${t('dash.chart')}. ${t('dash.chartRange', {
    from: date(points[0]!.date),
    to: date(points[points.length - 1]!.date),
    min: money(minText, currency),
    max: money(maxText, currency),
  })}`;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label} preserveAspectRatio="none" data-testid="balance-chart">
        <path d={area} className="chart-area" />
        {zero !== null ? <line x1={PAD} x2={W - PAD} y1={zero} y2={zero} className="chart-zero" /> : null}
        <path d={line} className="chart-line" fill="none" />
      </svg>
      <figcaption className="chart-caption">{t('dash.chart')}</figcaption>
    </figure>
  );
}

// What each kind of demo account looks like: its monthly payments, where its card is used,
// which foreign currencies it meets. Plain data, read by the generator; amounts are integer
// minor units of the account's currency (or of the foreign currency for foreign payments).

import { makeIban } from './iban';

export interface Counterparty {
  name: string;
  /** IBAN or local account number, shown as the line's counterparty account. */
  accountNumber?: string;
}

/** A payment on a fixed day of every month (salary, rent, fee, standing order...). */
export interface MonthlyItem {
  dueDay: number;
  /** Weekends move salaries earlier and standing orders later. */
  shift: 'earlier' | 'later';
  /** Signed: positive = money in. */
  minor: number;
  /** Random spread around `minor` (utility bills vary; salaries do not). */
  spread?: number;
  partner: Counterparty;
  /** Placeholders: {month} (1-12), {monthName}, {year}. */
  reference: string;
}

export interface ForeignOption {
  currency: string;
  /** Account currency units per one unit of `currency`, 6 decimals. */
  baseRate: string;
  /** Range of the original amount, minor units of `currency`. */
  minor: readonly [number, number];
  merchants: readonly string[];
  cities: readonly string[];
}

export interface Profile {
  monthly: readonly MonthlyItem[];
  /** Interest credited on the last day of each quarter (range, minor units). */
  quarterlyInterest?: readonly [number, number];
  cards?: {
    perDay: readonly [number, number];
    minor: readonly [number, number];
    merchants: readonly string[];
    cities: readonly string[];
    cardLast4: string;
    /** Share of card payments made abroad, in another currency. */
    foreignChance: number;
    foreign: readonly ForeignOption[];
    refundChance: number;
  };
  transfers?: {
    chance: number;
    /** Share of transfers that come in rather than go out. */
    incomingShare: number;
    minor: readonly [number, number];
    friends: readonly Counterparty[];
    references: readonly string[];
  };
  /** Customers paying invoices (business accounts). */
  customers?: {
    perDay: readonly [number, number];
    minor: readonly [number, number];
    payers: readonly Counterparty[];
  };
}

const nl = (bank: string, n: number): string => makeIban('NL', `${bank}${String(n).padStart(10, '0')}`);
const gb = (n: number): string => makeIban('GB', `DEMO400515${String(n).padStart(8, '0')}`);

const DEMO_BANK: Counterparty = { name: 'Demo Bank' };

const EUR_MERCHANTS = [
  'Bakkerij De Molen', 'Supermarkt Vers & Co', 'Café Het Hoekje', 'Stadsapotheek', 'Boekhandel Van Dijk',
  'Fietsenmaker Jansen', 'Tankstation De Ring', 'Restaurant La Piazza', 'Slagerij Bos', 'Bloemenhuis Lente',
  'Drogisterij Zon', 'Kaashandel Gouda Oud', 'Bioscoop Lumière', 'Parkeergarage Centrum', 'OV Reizen',
  'Sushi Sakura', 'Bouwmarkt Klus & Co', 'Kledingzaak Mode 21', 'Elektro Huis', 'Koffiebar Bonen',
  'Pizzeria Napoli', 'Groente & Fruit Dijkstra', 'Huisdierwinkel Poot', 'Sportschool Fit', 'Webwinkel Alles.nl',
] as const;
const EUR_CITIES = ['AMSTERDAM', 'UTRECHT', 'ROTTERDAM', 'DEN HAAG', 'HAARLEM', 'LEIDEN', 'DELFT'] as const;

const USD_MERCHANTS = [
  'Blue Bottle Diner', 'Main Street Hardware', 'Corner Deli & Grocery', 'Liberty Gas', 'Sunset Books',
  'Bay Area Transit', 'Golden Gate Pharmacy', 'Mission Tacos', 'Cloud Storage Inc', 'Harbor Fitness',
] as const;
const USD_CITIES = ['SAN FRANCISCO', 'NEW YORK', 'BOSTON', 'SEATTLE', 'AUSTIN'] as const;

const GBP_MERCHANTS = [
  "Greengrocer's Corner", 'The Crown & Anchor', 'Thames Books', 'Oyster Travel', 'High Street Chemist',
  'Fish & Chips Co', 'Brixton Coffee House', 'Hardware & Co Ltd', 'Camden Market Stall 12', 'Northern Rail',
] as const;
const GBP_CITIES = ['LONDON', 'MANCHESTER', 'BRISTOL', 'LEEDS', 'EDINBURGH'] as const;

const VND_MERCHANTS = [
  'Phở Hà Nội 24', 'Cà Phê Sữa Đá', 'Siêu thị Vinh Phát', 'Bánh Mì Hội An', 'Nhà sách Tiền Phong',
  'Xăng dầu Sông Hồng', 'Nhà thuốc An Khang', 'Bún Chả Hương Liên', 'Grab Việt Nam', 'Điện máy Xanh Lá',
] as const;
const VND_CITIES = ['HA NOI', 'TP HO CHI MINH', 'DA NANG', 'HAI PHONG', 'HUE'] as const;

const FRIENDS_EUR: readonly Counterparty[] = [
  { name: 'J. de Vries', accountNumber: nl('ABNA', 417_164_300) },
  { name: 'S. Bakker', accountNumber: nl('RABO', 300_065_264) },
  { name: 'M. Jansen-Visser', accountNumber: nl('INGB', 6_850_323) },
  { name: 'A. El Amrani', accountNumber: nl('TRIO', 198_765_432) },
];
const FRIEND_REFERENCES = [
  'Dinner last Friday', 'Concert tickets', 'Share of the groceries', 'Birthday present',
  'Holiday house deposit', 'Football team fee', 'Taxi to the airport', 'Paying you back, thanks!',
] as const;

const ABROAD_FROM_EUR: readonly ForeignOption[] = [
  { currency: 'USD', baseRate: '0.920000', minor: [350, 18_000], merchants: USD_MERCHANTS, cities: USD_CITIES },
  { currency: 'GBP', baseRate: '1.170000', minor: [250, 12_000], merchants: GBP_MERCHANTS, cities: GBP_CITIES },
  { currency: 'CHF', baseRate: '1.050000', minor: [400, 15_000], merchants: ['Bergbahnen Zermatt', 'Café Sprüngli', 'SBB CFF FFS'], cities: ['ZERMATT', 'ZUERICH', 'BERN'] },
  { currency: 'JPY', baseRate: '0.006100', minor: [300, 25_000], merchants: ['Lawson Shibuya', 'Ichiran Ramen', 'JR East'], cities: ['TOKYO', 'KYOTO', 'OSAKA'] },
];

/** A Dutch current account: salary in, rent out, a card used most days. */
export function nlCurrentAccount(o: { salaryMinor: number; rentMinor: number; cardLast4: string; savingsIban?: string }): Profile {
  const monthly: MonthlyItem[] = [
    { dueDay: 25, shift: 'earlier', minor: o.salaryMinor, partner: { name: 'Acme Logistics B.V.', accountNumber: nl('INGB', 4_242_424) }, reference: 'Salary {monthName} {year} employee 10482' },
    { dueDay: 1, shift: 'later', minor: -o.rentMinor, partner: { name: 'Woonstichting De Linden', accountNumber: nl('RABO', 123_456_789) }, reference: 'Rent {monthName} {year} contract 7781-B' },
    { dueDay: 14, shift: 'later', minor: -8_950, spread: 2_500, partner: { name: 'Energie Direct N.V.', accountNumber: nl('ABNA', 552_781_006) }, reference: 'Energy advance {month}/{year} customer 30045521' },
    { dueDay: 1, shift: 'later', minor: -395, partner: DEMO_BANK, reference: 'Monthly account fee Basic Package {monthName} {year}' },
  ];
  if (o.savingsIban) {
    monthly.push({ dueDay: 26, shift: 'later', minor: -25_000, partner: { name: 'Own savings account', accountNumber: o.savingsIban }, reference: 'Monthly savings {monthName} {year}' });
  }
  return {
    monthly,
    cards: {
      perDay: [0, 4], minor: [120, 6_500], merchants: EUR_MERCHANTS, cities: EUR_CITIES, cardLast4: o.cardLast4,
      foreignChance: 0.04, foreign: ABROAD_FROM_EUR, refundChance: 0.03,
    },
    transfers: { chance: 0.06, incomingShare: 0.5, minor: [500, 15_000], friends: FRIENDS_EUR, references: FRIEND_REFERENCES },
  };
}

/** A Dutch savings account fed by the current account's standing order. */
export function nlSavingsAccount(o: { currentIban: string }): Profile {
  return {
    monthly: [{ dueDay: 26, shift: 'later', minor: 25_000, partner: { name: 'Own current account', accountNumber: o.currentIban }, reference: 'Monthly savings {monthName} {year}' }],
    quarterlyInterest: [900, 3_200],
    transfers: { chance: 0.01, incomingShare: 0, minor: [20_000, 60_000], friends: [{ name: 'Own current account', accountNumber: o.currentIban }], references: ['Withdrawal to current account'] },
  };
}

/** A US-dollar account held by a Dutch freelancer: invoices paid in, US spending out. */
export function usdAccount(o: { cardLast4: string }): Profile {
  return {
    monthly: [
      { dueDay: 5, shift: 'later', minor: 120_000, spread: 30_000, partner: { name: 'Northwind Traders Inc', accountNumber: 'US-ACH 021000021 4455667788' }, reference: 'Invoice {year}-{month} consulting' },
      { dueDay: 1, shift: 'later', minor: -250, partner: DEMO_BANK, reference: 'Monthly fee USD account {monthName} {year}' },
    ],
    cards: {
      perDay: [0, 1], minor: [300, 6_000], merchants: USD_MERCHANTS, cities: USD_CITIES, cardLast4: o.cardLast4,
      foreignChance: 0.05,
      foreign: [
        { currency: 'EUR', baseRate: '1.085000', minor: [300, 8_000], merchants: EUR_MERCHANTS, cities: EUR_CITIES },
        { currency: 'CAD', baseRate: '0.735000', minor: [500, 9_000], merchants: ['Tim Hortons Yonge St', 'Toronto Transit'], cities: ['TORONTO'] },
      ],
      refundChance: 0.02,
    },
  };
}

/** A UK current account. */
export function gbpAccount(o: { cardLast4: string }): Profile {
  return {
    monthly: [
      { dueDay: 28, shift: 'earlier', minor: 265_000, partner: { name: 'Riverside Consulting Ltd', accountNumber: gb(1_234_567) }, reference: 'Salary {monthName} {year}' },
      { dueDay: 1, shift: 'later', minor: -98_500, partner: { name: 'Northgate Lettings', accountNumber: gb(7_654_321) }, reference: 'Rent {monthName} {year} flat 4B' },
      { dueDay: 1, shift: 'later', minor: -300, partner: DEMO_BANK, reference: 'Account fee {monthName} {year}' },
    ],
    cards: {
      perDay: [0, 3], minor: [150, 7_500], merchants: GBP_MERCHANTS, cities: GBP_CITIES, cardLast4: o.cardLast4,
      foreignChance: 0.04,
      foreign: [{ currency: 'EUR', baseRate: '0.855000', minor: [300, 12_000], merchants: EUR_MERCHANTS, cities: EUR_CITIES }],
      refundChance: 0.03,
    },
  };
}

/** A Vietnamese current account (VND has no minor unit: amounts are whole dong). */
export function vndAccount(o: { cardLast4: string }): Profile {
  return {
    monthly: [
      { dueDay: 5, shift: 'earlier', minor: 28_500_000, partner: { name: 'Công ty TNHH Sao Mai', accountNumber: '0071000456789' }, reference: 'Lương tháng {month}/{year}' },
      { dueDay: 1, shift: 'later', minor: -7_000_000, partner: { name: 'Nguyễn Văn Bình', accountNumber: '1903456789012' }, reference: 'Tiền nhà tháng {month}/{year}' },
      { dueDay: 1, shift: 'later', minor: -11_000, partner: { name: 'Ngân hàng Demo' }, reference: 'Phí quản lý tài khoản tháng {month}/{year}' },
    ],
    cards: {
      perDay: [0, 4], minor: [20_000, 600_000], merchants: VND_MERCHANTS, cities: VND_CITIES, cardLast4: o.cardLast4,
      foreignChance: 0.03,
      foreign: [{ currency: 'USD', baseRate: '25400.000000', minor: [500, 9_000], merchants: USD_MERCHANTS, cities: USD_CITIES }],
      refundChance: 0.02,
    },
    transfers: {
      chance: 0.05, incomingShare: 0.5, minor: [100_000, 2_000_000],
      friends: [{ name: 'Trần Thị Lan', accountNumber: '0451000123456' }, { name: 'Lê Minh Quân', accountNumber: '1020304050607' }],
      references: ['Tiền ăn tối', 'Chuyển tiền sinh nhật', 'Trả tiền vé xem phim'],
    },
  };
}

/** A busy shop's business account: ~150 card payments a day out, customer invoices in. */
export function nlBusinessAccount(o: { cardLast4: string }): Profile {
  return {
    monthly: [
      { dueDay: 1, shift: 'later', minor: -350_000, partner: { name: 'Bedrijfspanden Noord B.V.', accountNumber: nl('RABO', 987_654_321) }, reference: 'Rent unit 12 {monthName} {year}' },
      { dueDay: 24, shift: 'earlier', minor: -1_200_000, partner: { name: 'Payroll Services B.V.', accountNumber: nl('INGB', 7_007_007) }, reference: 'Payroll {monthName} {year}' },
      { dueDay: 1, shift: 'later', minor: -2_950, partner: DEMO_BANK, reference: 'Business package fee {monthName} {year}' },
    ],
    cards: {
      perDay: [120, 180], minor: [250, 9_000], merchants: EUR_MERCHANTS, cities: EUR_CITIES, cardLast4: o.cardLast4,
      foreignChance: 0.01, foreign: ABROAD_FROM_EUR, refundChance: 0.3,
    },
    customers: {
      perDay: [4, 7], minor: [70_000, 200_000],
      payers: [
        { name: 'Bouwbedrijf Hoogland B.V.', accountNumber: nl('ABNA', 612_345_678) },
        { name: 'Gemeente Utrecht', accountNumber: nl('BNGH', 285_008_001) },
        { name: 'Stichting Groen Dak', accountNumber: nl('TRIO', 391_827_364) },
        { name: 'Van der Berg Installatietechniek', accountNumber: nl('RABO', 176_543_210) },
      ],
    },
  };
}

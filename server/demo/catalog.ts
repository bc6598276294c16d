import type { Random } from './random.ts';

/*
 * A demo catalog: ~20 categories of a neighbourhood supermarket, each item a base product in a few
 * variants, prices in minor units. "Missions" (breakfast, tea time, cleaning day…) tie items of several
 * categories together so baskets have co-purchase structure a recommender can learn.
 */

export interface CatalogItem {
  sku: string;
  name: string;
  category: string;
  /** Minor units. */
  price: number;
  /** Sold by weight (quantity in kg with decimals). */
  weighed: boolean;
  /** Relative popularity within its category. */
  weight: number;
}

const CATEGORIES: Array<{ name: string; bases: string[]; variants: string[]; price: [number, number]; weighed?: boolean }> = [
  { name: 'beverages', bases: ['Oolong tea', 'Green tea drink', 'Cola', 'Orange juice', 'Mineral water', 'Soy milk'], variants: ['330ml', '500ml', '1.5L'], price: [250, 1200] },
  { name: 'tea', bases: ['Tieguanyin', 'Longjing', 'Pu-erh', 'Jasmine tea', 'Black tea'], variants: ['50g', '100g', 'gift box'], price: [2800, 26800] },
  { name: 'snacks', bases: ['Potato chips', 'Seaweed snack', 'Sunflower seeds', 'Rice crackers', 'Dried mango', 'Peanuts'], variants: ['small', 'family pack', 'spicy'], price: [450, 2200] },
  { name: 'dairy', bases: ['Fresh milk', 'Yogurt', 'Cheese slices', 'Butter', 'Cream'], variants: ['250ml', '1L', 'low-fat'], price: [390, 3500] },
  { name: 'bakery', bases: ['White bread', 'Wholegrain bread', 'Croissant', 'Egg tart', 'Mooncake'], variants: ['single', 'pack of 4', 'pack of 8'], price: [350, 6800] },
  { name: 'produce', bases: ['Apples', 'Bananas', 'Tomatoes', 'Bok choy', 'Potatoes', 'Oranges', 'Grapes'], variants: ['loose'], price: [399, 1899], weighed: true },
  { name: 'meat', bases: ['Pork belly', 'Chicken thighs', 'Beef brisket', 'Minced pork'], variants: ['fresh'], price: [2590, 8990], weighed: true },
  { name: 'seafood', bases: ['Shrimp', 'Sea bass', 'Squid', 'Clams'], variants: ['fresh', 'frozen'], price: [2990, 12800], weighed: true },
  { name: 'staples', bases: ['Jasmine rice', 'Noodles', 'Flour', 'Dumpling wrappers', 'Eggs'], variants: ['1kg', '5kg', 'pack of 10'], price: [590, 8990] },
  { name: 'condiments', bases: ['Soy sauce', 'Vinegar', 'Chili oil', 'Oyster sauce', 'Sesame oil'], variants: ['250ml', '500ml'], price: [690, 3290] },
  { name: 'frozen', bases: ['Pork dumplings', 'Tangyuan', 'Ice cream', 'Frozen peas'], variants: ['small', 'large'], price: [990, 4590] },
  { name: 'breakfast', bases: ['Oat flakes', 'Cornflakes', 'Honey', 'Peanut butter', 'Jam'], variants: ['small', 'large'], price: [1290, 4990] },
  { name: 'household', bases: ['Dish soap', 'Laundry detergent', 'Paper towels', 'Trash bags', 'Sponges'], variants: ['standard', 'refill', 'value pack'], price: [590, 5990] },
  { name: 'personal-care', bases: ['Shampoo', 'Toothpaste', 'Body wash', 'Face cream', 'Razor blades'], variants: ['travel', 'standard', 'value'], price: [990, 12900] },
  { name: 'baby', bases: ['Diapers', 'Infant formula', 'Baby wipes', 'Baby food'], variants: ['S', 'M', 'L'], price: [2990, 26800] },
  { name: 'pet', bases: ['Cat food', 'Dog food', 'Cat litter', 'Pet treats'], variants: ['small', 'large'], price: [1590, 15900] },
  { name: 'wine-spirits', bases: ['Baijiu', 'Red wine', 'Beer', 'Rice wine'], variants: ['bottle', 'six-pack', 'gift box'], price: [890, 59800] },
  { name: 'health', bases: ['Vitamin C', 'Fish oil', 'Cold relief tea', 'Plasters'], variants: ['30 ct', '90 ct'], price: [2990, 16800] },
  { name: 'stationery', bases: ['Notebook', 'Gel pens', 'Red envelopes', 'Tape'], variants: ['single', 'pack'], price: [290, 2990] },
  { name: 'electronics', bases: ['AA batteries', 'USB-C cable', 'Phone charger', 'Earphones'], variants: ['basic', 'premium'], price: [990, 19900] },
];

export const MISSIONS: string[][] = [
  ['dairy', 'bakery', 'breakfast'],
  ['tea', 'snacks', 'bakery'],
  ['produce', 'meat', 'condiments', 'staples'],
  ['seafood', 'produce', 'condiments', 'wine-spirits'],
  ['household', 'personal-care'],
  ['baby', 'dairy', 'household'],
  ['pet', 'household'],
  ['beverages', 'snacks'],
  ['frozen', 'staples', 'condiments'],
  ['health', 'beverages'],
  ['stationery', 'electronics'],
];

export function buildCatalog(rnd: Random): CatalogItem[] {
  const items: CatalogItem[] = [];
  let n = 0;
  for (const cat of CATEGORIES) {
    for (const base of cat.bases) {
      for (const variant of cat.variants) {
        n += 1;
        const [lo, hi] = cat.price;
        // Round to x.x0 / x.x9 like shelf prices.
        const price = Math.round((lo + rnd.next() * (hi - lo)) / 10) * 10 - (rnd.chance(0.5) ? 1 : 0);
        items.push({
          sku: `690${String(100000000 + n * 7919).slice(-9)}${n % 10}`,
          name: variant === 'loose' || variant === 'fresh' ? base : `${base} ${variant}`,
          category: cat.name,
          price: Math.max(99, price),
          weighed: cat.weighed ?? false,
          weight: 0.2 + rnd.gamma(0.8, 1),
        });
      }
    }
  }
  return items;
}

// Balance, daily sign-in and a redemption: the three things every points page does.
import { errorText, newActionKey } from '../../api/client.js';

const api = () => getApp().globalData.api;

Page({
  data: { me: null, products: [], message: '', busySku: '' },
  // One key per tap of "兑换"; kept until that redemption has an answer, so a retry reuses it.
  pendingKeys: {},

  onShow() {
    this.refresh();
  },

  async refresh() {
    try {
      const [me, products] = await Promise.all([api().me(), api().products({ limit: 20 })]);
      this.setData({ me, products: products.items });
    } catch (error) {
      this.setData({ message: errorText(error) });
    }
  },

  async onSignIn() {
    try {
      const result = await api().signIn();
      this.setData({ message: `签到成功 +${result.awarded}（连续 ${result.streak} 天）` });
    } catch (error) {
      this.setData({ message: errorText(error) });
    }
    this.refresh();
  },

  async onRedeem(event) {
    const sku = event.currentTarget.dataset.sku;
    this.pendingKeys[sku] = this.pendingKeys[sku] || newActionKey();
    this.setData({ busySku: sku });
    try {
      const order = await api().redeem({ sku, quantity: 1 }, this.pendingKeys[sku]);
      delete this.pendingKeys[sku];
      this.setData({ message: `兑换成功，订单 ${order.orderId}` });
    } catch (error) {
      if (error.code !== 'NETWORK_ERROR') delete this.pendingKeys[sku]; // no answer: retry with the same key
      this.setData({ message: errorText(error) });
    }
    this.setData({ busySku: '' });
    this.refresh();
  },
});

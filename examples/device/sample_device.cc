// A device plugin advertising `count` healthy devices of `resource` (from its JSON config) and
// handing their ids to containers in an environment variable.
#include <hostlet/sdk/device_plugin.h>

#include <condition_variable>
#include <mutex>

class SampleDevice final : public hostlet::DevicePlugin {
 public:
  explicit SampleDevice(const hostlet::PluginContext& context)
      : resource_(context.config.value("resource", std::string("example.com/widget"))),
        count_(context.config.value("count", 2)) {
    if (count_ < 0) throw std::invalid_argument("count must not be negative");
  }

  grpc::Status GetDevicePluginOptions(const v1beta1::Empty&,
                                      v1beta1::DevicePluginOptions* options) override {
    options->set_get_preferred_allocation_available(false);
    return grpc::Status::OK;
  }

  // Sends the device list once, then holds the stream open until the kubelet cancels it.
  grpc::Status ListAndWatch(const v1beta1::Empty&,
                            hostlet::Writer<v1beta1::ListAndWatchResponse>* writer) override {
    v1beta1::ListAndWatchResponse list;
    for (int i = 0; i < count_; ++i) {
      v1beta1::Device* device = list.add_devices();
      device->set_id("widget-" + std::to_string(i));
      device->set_health("Healthy");
    }
    if (!writer->Write(list)) return grpc::Status::CANCELLED;
    std::mutex mutex;
    std::condition_variable cancelled;
    writer->OnCancel([&] {
      std::lock_guard lock(mutex);
      cancelled.notify_all();
    });
    std::unique_lock lock(mutex);
    cancelled.wait(lock, [&] { return writer->IsCancelled(); });
    return grpc::Status::CANCELLED;
  }

  grpc::Status Allocate(const v1beta1::AllocateRequest& request,
                        v1beta1::AllocateResponse* response) override {
    for (const auto& container : request.container_requests()) {
      std::string ids;
      for (const auto& id : container.devices_ids()) ids += (ids.empty() ? "" : ",") + id;
      (*response->add_container_responses()->mutable_envs())["WIDGET_DEVICES"] = ids;
    }
    return grpc::Status::OK;
  }

 private:
  std::string resource_;
  int count_;
};

HOSTLET_PLUGIN(SampleDevice, "sample-device", "0.1.0", "Advertises example widgets")
